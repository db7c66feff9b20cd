import type { Command } from 'commander';
import { formatCsv } from '../report/csv.js';
import { formatJson } from '../report/json.js';
import { summarise } from '../report/summary.js';
import { formatTable } from '../report/table.js';
import { oneOf, warn } from './options.js';

const formats = { table: formatTable, json: formatJson, csv: formatCsv } as const;
type Format = keyof typeof formats;

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('what happened to every recipient of a campaign')
    .argument('<file>', 'campaign YAML file')
    .option('--format <format>', 'table, json or csv', oneOf(Object.keys(formats) as Format[]), 'table')
    .option('--failed', 'only recipients that failed')
    .option('--state <dir>', 'state folder')
    .action(async (file: string, flags: { format: Format; failed?: boolean; state?: string }) => {
      const summary = await summarise(file, flags.state, warn);
      if (flags.failed) summary.recipients = summary.recipients.filter((outcome) => outcome.status === 'failed');
      process.stdout.write(formats[flags.format](summary));
    });
}
