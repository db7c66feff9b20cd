import type { CommandIo } from '../io.js';
import { runAndTell, type RunFlags } from './run-campaign.js';

export type ResumeOptions = RunFlags;

/** Continues a paused or interrupted campaign (safe from cron); returns the exit code. */
export function run(options: ResumeOptions, io: CommandIo): Promise<number> {
  return runAndTell(options, { resume: true }, io);
}
