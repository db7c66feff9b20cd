import type { Command } from 'commander';
import type { Summary } from '../report/summary.js';
import { oneOf, warn } from './options.js';

/** Each format's module loads only when asked for. */
const formats = {
  table: async () => (await import('../report/table.js')).formatTable,
  json: async () => (await import('../report/json.js')).formatJson,
  csv: async () => (await import('../report/csv.js')).formatCsv,
} satisfies Record<string, () => Promise<(summary: Summary) => string>>;
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
      const { summarise } = await import('../report/summary.js');
      const summary = await summarise(file, flags.state, warn);
      if (flags.failed) summary.recipients = summary.recipients.filter((outcome) => outcome.status === 'failed');
      process.stdout.write((await formats[flags.format]())(summary));
    });
}
