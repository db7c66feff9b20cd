import type { Command } from 'commander';
import { runsWith, typed } from '../verb.js';
import { notice, type CommandIo } from '../io.js';
import { describe } from './describe.js';

export interface ListOptions {
  json?: boolean;
}

/** `mailshot accounts list`. */
export function define(accounts: Command): void {
  typed(accounts.command('list'))
    .description('the linked accounts (never their secrets)')
    .option('--json', 'print JSON')
    .action(runsWith(run, ({ json }) => ({ json })));
}

/** The linked accounts, never their secrets. */
export async function run(options: ListOptions, io: CommandIo): Promise<void> {
  const [{ SavedAccounts }, { slotsInUse }] = await Promise.all([import('../../accounts/registry.js'), import('../../accounts/limits.js')]);
  const list = await Promise.all(
    (await SavedAccounts.read()).list().map(async (account) => ({ ...account, slots: await slotsInUse(account.name) })),
  );
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
  for (const account of list) {
    const busy = account.slots.in_use ? `\tsending now: ${account.slots.in_use} at once` : '';
    io.stdout.write(`${account.name}\t${account.kind}\t${describe(account)}${busy}\n`);
  }
}
