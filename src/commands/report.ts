import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import type { Summary } from '../report/summary.js';
import { oneOf, warn } from './options.js';

/** Each format's module loads only when asked for. */
const formats = {
  table: async () => (await import('../report/table.js')).formatTable,
  json: async () => (await import('../report/json.js')).formatJson,
  csv: async () => (await import('../report/csv.js')).formatCsv,
  html: async () => (await import('../report/html.js')).formatHtml,
} satisfies Record<string, () => Promise<(summary: Summary) => string>>;
type Format = keyof typeof formats;

interface ReportFlags {
  format: Format;
  failed?: boolean;
  state?: string;
  output?: string;
  open?: boolean;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('what happened to every recipient of a campaign')
    .argument('<file>', 'campaign YAML file')
    .option('--format <format>', 'table, json, csv or html', oneOf(Object.keys(formats) as Format[]), 'table')
    .option('--failed', 'only recipients that did not get the message: failed, deferred and in doubt')
    .option('--state <dir>', 'state folder')
    .option('--output <file>', 'write the report to this file (html default: report.html in the state folder; others: stdout)')
    .option('--open', 'html: open the page in the browser')
    .action(async (file: string, flags: ReportFlags) => {
      if (flags.format !== 'html' && flags.open) throw new InputError('--open goes with --format html');
      const { summarise } = await import('../report/summary.js');
      const summary = await summarise(file, flags.state, warn, flags.failed ? ['failed', 'deferred', 'in_doubt'] : undefined);
      const report = (await formats[flags.format]())(summary);
      if (flags.format !== 'html' && !flags.output) {
        process.stdout.write(report);
        return;
      }
      // A page is a file to open, not text for a terminal: write it and print where it is.
      const target = path.resolve(flags.output ?? (await import('../report/html.js')).htmlReportPath(file, flags.state));
      await writeFile(target, report, { mode: 0o600 }).catch((error: Error) => {
        throw new InputError(`cannot write the report to ${target}: ${error.message}`);
      });
      process.stdout.write(target + '\n');
      if (flags.open) {
        const { default: open } = await import('open');
        await open(target).catch((error: Error) => warn(`could not open a browser (${error.message}); the report is at ${target}`));
      }
    });
}
