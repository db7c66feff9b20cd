import type { RunResult } from '../delivery/send-loop.js';
import { tallyText } from '../delivery/outcome.js';
import { ExitCode } from '../errors.js';
import { notice, warn, type CommandIo } from './io.js';

export interface EndOptions {
  campaignFile: string;
  stateDir?: string;
  quiet?: boolean;
}

/**
 * The last line of a send or resume: this run's counts, then the campaign's as `status` and `report` count
 * them (the same summary); nothing, from cron, when there was nothing to do. Returns the exit code.
 */
export async function tell(result: RunResult, options: EndOptions, io: CommandIo): Promise<number> {
  const exitCode = result.status === 'done' ? ExitCode.done : ExitCode.later;
  // From cron, a paused or scheduled campaign with nothing due says nothing; a done one always says so.
  if (result.idle && result.status !== 'done' && !io.isTTY.stderr) return exitCode;
  const tally = tallyText(result.counts);
  const campaign = result.idle || result.status === 'scheduled' ? '' : await campaignTotals(options, io);
  const { localTimesIn } = await import('../system/local-time.js');
  const reason = localTimesIn(result.reason);
  if (result.status === 'done') {
    notice(io, result.idle ? reason : `done: ${tally} in this run${campaign}`);
  } else if (result.idle || result.status === 'scheduled') {
    notice(io, reason);
  } else {
    notice(io, `paused: ${reason} (this run: ${tally}${campaign}). Run \`mailshot campaign resume\` to continue.`);
  }
  if (io.isTTY.stderr && !options.quiet) io.stderr.write('\x07');
  return exitCode;
}

async function campaignTotals(options: EndOptions, io: CommandIo): Promise<string> {
  const [{ summarise }, { totalsText }] = await Promise.all([import('../report/fold-campaign.js'), import('../report/reply-text.js')]);
  const summary = await summarise(options.campaignFile, options.stateDir, (message) => warn(io, message), []);
  return `; campaign: ${totalsText(summary.totals)}`;
}
