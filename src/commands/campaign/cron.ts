import type { Command } from 'commander';
import { exactly, runsWith, typed } from '../verb.js';
import { wholeNumber } from '../options.js';
import { warn, type CommandIo } from '../io.js';

export interface CronOptions {
  file: string;
  /** How often, in minutes: one that divides an hour, or a number of hours that divides a day. */
  every: number;
  state?: string;
  /** Also print a line that runs `bounces check` for this account every hour. */
  bounces?: string;
}

/** `mailshot campaign cron FILE`. */
export function define(campaign: Command): void {
  typed(campaign.command('cron'))
    .description('print a crontab line that resumes the campaign every few minutes')
    .argument('<file>', 'campaign YAML file')
    .option(
      '--every <minutes>',
      'how often, in minutes: one that divides an hour (1-30) or a number of hours that divides a day',
      wholeNumber(1),
      5,
    )
    .option('--state <dir>', 'state folder')
    .option('--bounces <account>', 'also print a line that runs `mailshot bounces check ACCOUNT` every hour')
    .action(runsWith(run, (file, flags) => ({ ...exactly<Omit<CronOptions, 'file'>>()(flags), file })));
}

export async function run(options: CronOptions, io: CommandIo): Promise<void> {
  const { resumeCronLine, bouncesCheckCronLine } = await import('../../delivery/cron-entry.js');
  let warned = false;
  // Said once, though both lines read the same file.
  const once = (message: string) => {
    if (!warned) warn(io, message);
    warned = true;
  };
  io.stdout.write((await resumeCronLine(options.file, options.state, options.every, once)) + '\n');
  if (options.bounces) io.stdout.write((await bouncesCheckCronLine(options.file, options.state, options.bounces, once)) + '\n');
}
