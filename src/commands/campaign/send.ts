import type { CommandIo } from '../io.js';
import { runAndTell, runModules, type RunFlags } from './run-campaign.js';

export interface SendOptions extends RunFlags {
  /** Start later: an ISO time or words such as "tomorrow 09:00". */
  at?: string;
  /** Space the deliveries evenly over this long, e.g. "6h". */
  spread?: string;
}

/** Sends the campaign (continues it when it was started before); returns the exit code. */
export async function run(options: SendOptions, io: CommandIo): Promise<number> {
  const timed = options.at !== undefined || options.spread !== undefined;
  const [when] = await Promise.all([timed ? import('../../delivery/when.js') : undefined, runModules()]); // chrono-node is slow to load
  const at = options.at === undefined ? undefined : when!.parseAt(options.at, new Date());
  const spreadMs = options.spread === undefined ? undefined : when!.parseSpread(options.spread);
  return runAndTell(options, { at, spreadMs, resume: false }, io);
}
