import type { DeliveryError, DeliveryErrorKind } from '../transports/transport.js';

/**
 * What a failure costs: this recipient only, the account's quota, the account itself (credentials,
 * settings), the network, the server's patience (throttling), or a temporary hiccup.
 */
export type Cost = 'recipient' | 'quota' | 'account' | 'network' | 'throttled' | 'transient';

/**
 * DESIGN's "what the loop does" column, keyed by DeliveryError kind (a table of data). A server that
 * refuses connections after this run already delivered through it has gone away: network loss, not a
 * wrong setting; a temporary failure without any reply from the server is the network too.
 */
const costOf: Record<DeliveryErrorKind, (failure: DeliveryError, deliveredBefore: boolean) => Cost> = {
  permanent: () => 'recipient',
  quota: () => 'quota',
  auth: () => 'account',
  config: (failure, deliveredBefore) => (deliveredBefore && failure.details.unreachable ? 'network' : 'account'),
  throttled: () => 'throttled',
  transient: (failure) => (failure.details.replied ? 'transient' : 'network'),
};

/** Hand-offs per recipient in one run for each cost, and what happens after the last (a table of data). */
export const attemptsFor: Record<Cost, { attempts: number; exhausted: Exclude<Decision['then'], 'retry'> }> = {
  recipient: { attempts: 1, exhausted: 'fail' },
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
  return { then: 'retry', inMs: cost === 'throttled' ? throttleWaitMs : backoff(attempt, random) };
}

/** 1 s, 2 s, 4 s … with ±20 % jitter. */
export function backoff(attempt: number, random = Math.random): number {
  return 1000 * 2 ** (attempt - 1) * (0.8 + random() * 0.4);
}
