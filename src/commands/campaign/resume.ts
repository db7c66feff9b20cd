import type { Command } from 'commander';
import type { CommandIo } from '../io.js';
import { exactly, runsWith, typed } from '../verb.js';
import { runAndTell, type RunFlags } from './send-or-resume.js';
import { runFlagOptions } from './run-flags.js';

/** `send`'s flags less those of a first send. */
export type ResumeOptions = Omit<RunFlags, 'yes' | 'requireDeliverability'>;

/** `mailshot campaign resume FILE`. */
export function define(campaign: Command): void {
  runFlagOptions(typed(campaign.command('resume')).description('continue a paused or interrupted campaign (safe from cron)')).action(
    runsWith(run, (file, flags) => ({ ...exactly<Omit<ResumeOptions, 'file'>>()(flags), file })),
  );
}

/** Continues a paused or interrupted campaign (safe from cron); returns the exit code. */
export function run(options: ResumeOptions, io: CommandIo): Promise<number> {
  return runAndTell(options, { resume: true }, io);
}
