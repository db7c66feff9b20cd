import type { Command } from 'commander';
import { printable } from '../../system/terminal-text.js';
import { notice, type CommandIo } from '../io.js';
import { runsWith, typed } from '../verb.js';
import { accountOptions, openList, type ListOptions } from './common.js';

/** `mailshot suppress list`: the suppressed addresses, one a line (address, reason, when, detail). */
export function define(suppress: Command): void {
  accountOptions(typed(suppress.command('list')).description('show the suppressed addresses')).action(
    runsWith(run, ({ account, json }) => ({ account, json })),
  );
}

export async function run(options: ListOptions, io: CommandIo): Promise<void> {
  const list = await openList(options.account);
  const entries = list.all();
  if (options.json) {
    io.stdout.write(JSON.stringify({ identity: list.identity, count: entries.length, entries }, null, 2) + '\n');
    return;
  }
  for (const entry of entries)
    io.stdout.write(`${entry.address}\t${entry.reason}\t${entry.at}${entry.detail ? `\t${printable(entry.detail)}` : ''}\n`);
  notice(io, `${entries.length} address(es) suppressed for ${list.identity}`);
}
