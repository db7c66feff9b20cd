import { setTimeout as sleep } from 'node:timers/promises';
import type { RunOptions } from './run-context.js';
import type { RunResult } from './outcome.js';
import { runCampaign } from './send-loop.js';

export interface WaitOptions {
  /** `--wait`: when nothing is due yet (a schedule, a pause), wait in the foreground and run again. */
  wait: boolean;
  /** Told before each wait: until when, and why. */
  onWaiting: (until: string, why: string) => void;
  /** Called as each run starts; the function it returns as the run ends (keeping the machine awake meanwhile). */
  onRunStart?: (options: RunOptions) => () => void;
}

/** Runs the campaign; with --wait, again each time its pause or schedule ends, until it is done, stopped or interrupted. */
export async function runWaiting(first: RunOptions, options: WaitOptions): Promise<RunResult> {
  for (let run = first; ; run = { ...run, at: undefined, spreadMs: undefined, resume: true }) {
    const ended = options.onRunStart?.(run);
    let result: RunResult;
    try {
      result = await runCampaign(run);
    } finally {
      ended?.();
    }
    if (!options.wait || !result.until || result.error !== undefined || run.signal.aborted) return result;
    options.onWaiting(result.until, result.reason.split(';')[0]!);
    await sleep(Math.max(0, Date.parse(result.until) - Date.now()), undefined, { signal: run.signal }).catch(() => undefined);
    if (run.signal.aborted) return result;
  }
}
