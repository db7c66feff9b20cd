import type { CommandIo } from '../io.js';

export interface CronOptions {
  file: string;
  /** How often, in minutes. */
  every: number;
  state?: string;
}

export async function run(options: CronOptions, io: CommandIo): Promise<void> {
  const { resumeCronLine } = await import('../../delivery/cron-entry.js');
  io.stdout.write(resumeCronLine(options.file, options.state, options.every) + '\n');
}
