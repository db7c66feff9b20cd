import type { Command } from 'commander';
import type { CommandIo } from '../io.js';
import { oneOf } from '../options.js';
import { runsWith, typed } from '../verb.js';
import { accountOptions, openList, reasons, report, type ListOptions, type Reason } from './common.js';

export interface ImportOptions extends ListOptions {
  file: string;
  /** For rows without a "reason" column. */
  reason: Reason;
}

/** `mailshot suppress import FILE`: suppress the addresses of a CSV file; rows that are not addresses are skipped and named. */
export function define(suppress: Command): void {
  accountOptions(
    typed(suppress.command('import')).description('suppress the addresses of a CSV file with an "email" column').argument('<file>'),
  )
    .option('--reason <reason>', `for rows without a "reason" column: ${reasons.join(', ')}`, oneOf(reasons), 'unsubscribed')
    .action(runsWith(run, (file, { account, json, reason }) => ({ file, account, json, reason })));
}

export async function run(options: ImportOptions, io: CommandIo): Promise<void> {
  const { importCsv } = await import('../../suppress/import.js');
  const list = await openList(options.account);
  const result = await importCsv(list, options.file, options.reason);
  const invalid = result.invalid
    .slice(0, 20)
    .map(({ line, value }) => `\n  line ${line}: not an email address ${JSON.stringify(value)}`)
    .join('');
  const text = `imported ${result.added} address(es) into ${list.identity}'s list; ${result.already} already suppressed; ${result.invalid.length} row(s) skipped${invalid}`;
  report(io, options, { identity: list.identity, ...result }, text);
}
