import { notice, type CommandIo } from '../io.js';
import { describe } from './describe.js';

export interface ListOptions {
  json?: boolean;
}

/** The linked accounts, never their secrets. */
export async function run(options: ListOptions, io: CommandIo): Promise<void> {
  const { AccountRegistry } = await import('../../accounts/registry.js');
  const list = (await AccountRegistry.open()).list();
  if (options.json) {
    io.stdout.write(JSON.stringify(list, null, 2) + '\n');
    return;
  }
  if (!list.length) {
    notice(
      io,
      'no accounts yet; campaigns go to the outbox. Link one with `mailshot accounts add smtp NAME --service gmail --user …` (or --host …)',
    );
    return;
  }
  for (const account of list) io.stdout.write(`${account.name}\t${account.kind}\t${describe(account)}\n`);
}
