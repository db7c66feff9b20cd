import type { SendingAccount } from '../accounts/open-account.js';
import { outboxAccount } from '../accounts/open-account.js';
import { configDir } from '../auth/config-dir.js';
import type { LimitChange } from '../throttle/adaptive.js';
import { systemClock } from '../throttle/clock.js';
import { LearnedCeiling } from '../throttle/learned-ceiling.js';
import { formatRate } from '../throttle/rate.js';
import { Pacer, spreadLimits } from './pacing.js';
import type { Prepared, Started } from './run-context.js';

/**
 * The run's pacer, with --spread over the account's limits and below a concurrency the account's server refused
 * in an earlier run (unless this run was given --max-concurrent: a limit the person gives replaces it);
 * every change of limits is journaled and shown.
 */
export async function pacerFor(
  { options, via }: Prepared,
  { state, journal }: Started,
  account: SendingAccount,
  alreadyDone: number,
): Promise<Pacer> {
  const { limits, usage, shared } = account;
  const learned = via === outboxAccount ? undefined : await LearnedCeiling.load(configDir(), via);
  const remembered = options.limits.maxConcurrent === undefined ? learned?.learned : undefined;
  if (remembered && remembered.concurrency < limits.maxConcurrent) {
    options.warn(
      `account "${via}": starting at ${remembered.concurrency} at once, not ${limits.maxConcurrent}: its server refused more connections ` +
        `(${remembered.why}); remembered until ${remembered.expiresAt}. A limit you give replaces it: ` +
        `\`mailshot accounts set ${via} --max-concurrent N\`, or \`--forget-learned\``,
    );
  }
  const onChange = (change: LimitChange) => {
    const event = {
      ev: 'limits',
      at: Date.now(),
      concurrency: change.to.concurrency,
      rate: change.to.rate && formatRate(change.to.rate),
      why: change.why,
    } as const;
    void journal.append(event).catch(() => undefined);
    options.onEvent({ type: 'limits', concurrency: event.concurrency, rate: event.rate, why: event.why });
  };
  const learnedCap = remembered?.concurrency;
  return new Pacer(spreadLimits(limits, state, alreadyDone), usage, systemClock, onChange, learned, learnedCap, shared);
}
