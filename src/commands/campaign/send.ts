import type { Command } from 'commander';
import type { CommandIo } from '../io.js';
import { exactly, runsWith, typed } from '../verb.js';
import { runAndTell, runModules, type RunFlags } from './send-or-resume.js';
import { runFlagOptions } from './run-flags.js';

export interface SendOptions extends RunFlags {
  /** Start later: an ISO time or words such as "tomorrow 09:00". */
  at?: string;
  /** Space the deliveries evenly over this long, e.g. "6h". */
  spread?: string;
}

/** `mailshot campaign send FILE`. */
export function define(campaign: Command): void {
  runFlagOptions(typed(campaign.command('send')).description('send the campaign (continues it if it was started before)'))
    .option('--at <time>', 'start later: an ISO time or e.g. "tomorrow 09:00"; then run `resume` from cron, or add --wait')
    .option('--spread <duration>', "space the deliveries evenly over this long, e.g. 6h, 90m or 2d (the account's rate still applies)")
    .option('--yes', 'do not ask before a first real send (no question is asked without a terminal)')
    .option('--require-deliverability', 'stop a first real send when a `campaign check` of SPF, DKIM or DMARC fails')
    .action(runsWith(run, (file, flags) => ({ ...exactly<Omit<SendOptions, 'file'>>()(flags), file })));
}

/** Sends the campaign (continues it when it was started before); returns the exit code. */
export async function run(options: SendOptions, io: CommandIo): Promise<number> {
  const timed = options.at !== undefined || options.spread !== undefined;
  const [when] = await Promise.all([timed ? import('../../delivery/when.js') : undefined, runModules()]); // chrono-node is slow to load
  const at = options.at === undefined ? undefined : when!.parseAt(options.at, new Date());
  const spreadMs = options.spread === undefined ? undefined : when!.parseSpread(options.spread);
  return runAndTell(options, { at, spreadMs, resume: false }, io);
}
