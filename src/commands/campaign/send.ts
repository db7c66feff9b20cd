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
  const [{ parseAt, parseSpread }] = await Promise.all([import('../../delivery/when.js'), runModules()]);
  const at = options.at === undefined ? undefined : parseAt(options.at, new Date());
  const spreadMs = options.spread === undefined ? undefined : parseSpread(options.spread);
  return runAndTell(options, { at, spreadMs, resume: false }, io);
}
