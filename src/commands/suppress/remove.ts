import type { Command } from 'commander';
import type { CommandIo } from '../io.js';
import { runsWith, typed } from '../verb.js';
import { accountOptions, openList, report, type ListOptions } from './common.js';

export interface RemoveOptions extends ListOptions {
  addresses: string[];
}

/** `mailshot suppress remove ADDRESS…`: send to these addresses again. */
export function define(suppress: Command): void {
  accountOptions(typed(suppress.command('remove')).description('send to these addresses again').argument('<address...>')).action(
    runsWith(run, (addresses, { account, json }) => ({ addresses, account, json })),
  );
}

export async function run(options: RemoveOptions, io: CommandIo): Promise<void> {
  const list = await openList(options.account);
  let removed = 0;
  for (const address of options.addresses) if (await list.remove(address)) removed++;
  const missing = options.addresses.length - removed;
  report(
    io,
    options,
    { identity: list.identity, removed, not_found: missing },
    `removed ${removed} address(es) from ${list.identity}'s list${missing ? ` (${missing} were not on it)` : ''}`,
  );
}
