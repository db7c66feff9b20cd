import { warn, type CommandIo } from '../io.js';

export interface CronOptions {
  file: string;
  /** How often, in minutes: one that divides an hour, or a number of hours that divides a day. */
  every: number;
  state?: string;
  /** Also print a line that runs `bounces check` for this account every hour. */
  bounces?: string;
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
