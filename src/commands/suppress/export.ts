import type { Command } from 'commander';
import { writeForPerson, type CommandIo } from '../io.js';
import { runsWith, typed } from '../verb.js';
import { accountOptions, openList, type ListOptions } from './common.js';

/** `mailshot suppress export`: the list as CSV (spreadsheet-safe), or JSON with --json. */
export function define(suppress: Command): void {
  accountOptions(
    typed(suppress.command('export')).description('print the list as CSV (email,reason,at,detail), or JSON with --json'),
  ).action(runsWith(run, ({ account, json }) => ({ account, json })));
}

export async function run(options: ListOptions, io: CommandIo): Promise<void> {
  const list = await openList(options.account);
  if (options.json) {
    io.stdout.write(JSON.stringify(list.all(), null, 2) + '\n');
    return;
  }
  const { stringify } = await import('csv-stringify/sync');
  const rows = list.all().map((entry) => [entry.address, entry.reason, entry.at, entry.detail ?? '']);
  // A spreadsheet shows a cell starting with = + - @ as text only after a leading ' (OWASP's rule).
  const csv = stringify(rows, { header: true, columns: ['email', 'reason', 'at', 'detail'], escape_formulas: true });
  writeForPerson(io, csv);
}
