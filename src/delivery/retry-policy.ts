import type { DeliveryError, DeliveryErrorKind } from '../transports/transport.js';

/**
 * What a failure costs: this recipient only, this recipient for some minutes (greylisting, a full mailbox),
 * the account's quota, the account itself (credentials, settings), the network, the server's patience
 * (throttling), or a temporary hiccup.
 */
export type Cost = 'recipient' | 'recipient-later' | 'quota' | 'account' | 'network' | 'throttled' | 'transient';

/**
 * docs/design.md, "Kinds, and what the loop does", keyed by DeliveryError kind (a table of data). A server that
 * refuses connections after this run already delivered through it has gone away: network loss, not a
 * wrong setting; a temporary failure without any reply from the server is the network too.
 */
const costOf: Record<DeliveryErrorKind, (failure: DeliveryError, deliveredBefore: boolean) => Cost> = {
  permanent: () => 'recipient',
  quota: () => 'quota',
  auth: () => 'account',
  config: (failure, deliveredBefore) => (deliveredBefore && failure.details.unreachable ? 'network' : 'account'),
  throttled: () => 'throttled',
  transient: (failure) => (failure.details.recipientOnly ? 'recipient-later' : failure.details.replied ? 'transient' : 'network'),
};

/** Hand-offs per recipient in one run for each cost, and what happens after the last (a table of data). */
export const attemptsFor: Record<Cost, { attempts: number; exhausted: Exclude<Decision['then'], 'retry'> }> = {
  recipient: { attempts: 1, exhausted: 'fail' },
  'recipient-later': { attempts: 6, exhausted: 'defer' },
  quota: { attempts: 1, exhausted: 'pause' },
  account: { attempts: 1, exhausted: 'stop' },
  network: { attempts: 4, exhausted: 'pause' },
  throttled: { attempts: 8, exhausted: 'defer' },
  transient: { attempts: 3, exhausted: 'defer' },
};

/** A server that asks for a longer wait than this pauses the run (exit 75) instead of holding it open. */
export const maxRetryWaitMs = 5 * 60_000;

/**
 * What to do with a recipient after a failed hand-off: retry after `inMs`, record it failed, defer it
 * (deferred, go on), pause the run (and defer it) or stop the run (and defer it).
 */
export type Decision = { then: 'retry'; inMs: number } | { then: 'fail' | 'defer' | 'pause' | 'stop'; cost: Cost };

/**
 * `throttleWaitMs` is how long the pacer holds this recipient after a throttling reply (the server's
 * retry time or the adaptive backoff); a wait longer than maxRetryWaitMs pauses the run instead.
 */
export function decide(
  failure: DeliveryError,
  attempt: number,
  deliveredBefore: boolean,
  throttleWaitMs = 0,
  random = Math.random,
): Decision {
  const cost = costOf[failure.kind](failure, deliveredBefore);
  const { attempts, exhausted } = attemptsFor[cost];
  if (cost === 'throttled' && throttleWaitMs > maxRetryWaitMs) return { then: 'pause', cost };
  if (attempt >= attempts) return { then: exhausted, cost };
  if (cost === 'recipient-later') return { then: 'retry', inMs: recipientWait(failure, attempt, random) };
  return { then: 'retry', inMs: cost === 'throttled' ? throttleWaitMs : backoff(attempt, random) };
}

/** First wait of a recipient refused for now (greylisting lets a retry through after minutes, often 1–5). */
const recipientWaitMs = 15_000;

/**
 * The server's own retry time, else 15 s, 30 s, 1 min, 2 min, 4 min (±20 %): together past the 5 minutes
 * common greylisting daemons (postgrey) hold a first attempt back.
 */
function recipientWait(failure: DeliveryError, attempt: number, random: () => number): number {
  const hinted = (failure.details.retryAt?.getTime() ?? 0) - Date.now();
  return Math.max(hinted, backoff(attempt, random) * (recipientWaitMs / 1000));
}

/** 1 s, 2 s, 4 s … with ±20 % jitter. */
export function backoff(attempt: number, random = Math.random): number {
  return 1000 * 2 ** (attempt - 1) * (0.8 + random() * 0.4);
}
