import type { RunResult } from '../delivery/run.js';
import { ExitCode } from '../errors.js';
import { notice, warn } from './options.js';

export interface EndOptions {
  campaignFile: string;
  stateDir?: string;
  quiet?: boolean;
}

/**
 * The last line of a send or resume: this run's counts, then the campaign's as `status` and `report` count
 * them (the same summary), and the exit code.
 */
export async function exitWith(result: RunResult, options: EndOptions): Promise<void> {
  const { counts } = result;
  const tally = `sent ${counts.sent}, failed ${counts.failed}, deferred ${counts.deferred}, skipped ${counts.skipped}`;
  if (result.status !== 'done') process.exitCode = ExitCode.later;
  // From cron, a run with nothing to do says nothing: the exit code tells.
  if (result.idle && !process.stderr.isTTY) return;
  const campaign = result.idle || result.status === 'scheduled' ? '' : await campaignTotals(options);
  const { localTimesIn } = await import('../report/time.js');
  const reason = localTimesIn(result.reason);
  if (result.status === 'done') {
    notice(result.idle ? reason : `done: ${tally} in this run${campaign}`);
  } else if (result.idle || result.status === 'scheduled') {
    notice(reason);
  } else {
    notice(`paused: ${reason} (this run: ${tally}${campaign}). Run \`mailshot campaign resume\` to continue.`);
  }
  if (process.stderr.isTTY && !options.quiet) process.stderr.write('\x07');
}

async function campaignTotals(options: EndOptions): Promise<string> {
  const { summarise, totalsText } = await import('../report/summary.js');
  const summary = await summarise(options.campaignFile, options.stateDir, warn, []);
  return `; campaign: ${totalsText(summary.totals)}`;
}
