import type { CommandIo } from '../io.js';

export interface CronOptions {
  file: string;
  /** How often, in minutes: one that divides an hour, or a number of hours that divides a day. */
  every: number;
  state?: string;
  /** Also print a line that runs `bounces check` for this account every hour. */
  bounces?: string;
}

export async function run(options: CronOptions, io: CommandIo): Promise<void> {
  const { resumeCronLine } = await import('../../delivery/cron-entry.js');
  io.stdout.write((await resumeCronLine(options.file, options.state, options.every)) + '\n');
  if (options.bounces)
    io.stdout.write(
      (await import('../../delivery/cron-entry.js')).bouncesCheckCronLine(options.file, options.state, options.bounces) + '\n',
    );
}
