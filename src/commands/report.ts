import type { Command } from 'commander';
import { once, type EventEmitter } from 'node:events';
import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { Summary } from '../report/summary.js';
import type { RecipientStatus } from '../status.js';
import { warn, writeForPerson, type CommandIo } from './io.js';
import { oneOf } from './options.js';
import { exactly, runsWith, typed } from './verb.js';

/** Each format's module loads only when asked for. */
export const formats = {
  table: async () => (await import('../report/table.js')).formatTable,
  json: async () => (await import('../report/json.js')).formatJson,
  csv: async () => (await import('../report/csv.js')).formatCsv,
  html: async () => (await import('../report/html.js')).formatHtml,
} satisfies Record<string, () => Promise<(summary: Summary) => string>>;
export type Format = keyof typeof formats;

export interface ReportOptions {
  file: string;
  format: Format;
  failed?: boolean;
  state?: string;
  output?: string;
  open?: boolean;
}

/** `mailshot report FILE`. */
export function define(program: Command): void {
  typed(program.command('report'))
    .description('what happened to every recipient of a campaign')
    .argument('<file>', 'campaign YAML file')
    .option('--format <format>', 'table, json, csv or html', oneOf(Object.keys(formats) as Format[]), 'table')
    .option('--failed', 'only recipients that did not get the message: failed, deferred and in doubt')
    .option('--state <dir>', 'state folder')
    .option('--output <file>', 'write the report to this file (html default: report.html in the state folder; others: stdout)')
    .option('--open', 'html: open the page in the browser')
    .action(runsWith(run, (file, flags) => ({ ...exactly<Omit<ReportOptions, 'file'>>()(flags), file })));
}

/** What happened to every recipient of a campaign. */
export async function run(options: ReportOptions, io: CommandIo): Promise<void> {
  if (options.format !== 'html' && options.open) throw new InputError('--open goes with --format html');
  const only: RecipientStatus[] | undefined = options.failed ? ['failed', 'deferred', 'in_doubt'] : undefined;
  if (options.format === 'json') return streamJson(options, only, io);
  const { summarise } = await import('../report/fold-campaign.js');
  const summary = await summarise(options.file, options.state, (message) => warn(io, message), only);
  const report = (await formats[options.format]())(summary);
  if (options.format !== 'html' && !options.output) {
    // On a terminal, a server's or a cell's control characters are shown, not acted on; in a file they stay data.
    writeForPerson(io, report);
    return;
  }
  // A page is a file to open, not text for a terminal: write it and print where it is.
  const target = path.resolve(options.output ?? (await import('../report/html.js')).htmlReportPath(options.file, options.state));
  await writeFile(target, report, { mode: 0o600 }).catch(cannotWrite(target));
  io.stdout.write(target + '\n');
  if (options.open) {
    const { default: open } = await import('open');
    await open(target).catch((error: Error) => warn(io, `could not open a browser (${error.message}); the report is at ${target}`));
  }
}

const cannotWrite = (target: string) => (error: Error) => {
  throw new InputError(`cannot write the report to ${target}: ${error.message}`);
};

/** JSON is written while the recipients are read back from the journal: a list of millions is never held whole. */
async function streamJson(options: ReportOptions, only: RecipientStatus[] | undefined, io: CommandIo): Promise<void> {
  const [{ foldCampaign }, { writeJson }] = await Promise.all([import('../report/fold-campaign.js'), import('../report/json.js')]);
  const { fold, summary, journal } = await foldCampaign(options.file, options.state, (message) => warn(io, message), only, true);
  if (!options.output) {
    await writeJson(fold, summary, journal, async (text) => {
      const stdout = io.stdout as Partial<EventEmitter>;
      if (writeForPerson(io, text) === false && stdout.once) await once(stdout as EventEmitter, 'drain');
    });
    return;
  }
  const target = path.resolve(options.output);
  const handle = await open(target, 'w', 0o600).catch(cannotWrite(target));
  try {
    await writeJson(fold, summary, journal, async (text) => {
      await handle.write(text).catch(cannotWrite(target));
    });
  } finally {
    await handle.close();
  }
  io.stdout.write(target + '\n');
}
