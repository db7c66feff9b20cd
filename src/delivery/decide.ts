/**
 * One failed hand-off → one action, decided here and only here: what becomes of the recipient (retried after how
 * long, failed, deferred, in doubt), whether the whole account slows down and on which limit, whether the run
 * pauses (until when) or stops, and the words for the person. The send loop (attempt.ts) carries it out.
 *
 * What the server's reply means (kind, limit, retry time, one recipient or the account) was read in transports/
 * and comes on DeliveryError.details; nothing here reads the reply text.
 */
import { isInDoubt } from '../transports/hand-over.js';
import type { DeliveryError, DeliveryErrorKind, ThrottledLimit } from '../transports/transport.js';

/**
 * What a failure costs: this recipient only, this recipient for some minutes (greylisting, a full mailbox),
 * the account's quota, the account itself (credentials, settings), the network, the server's patience
 * (throttling), or a temporary hiccup.
 */
export type Cost = 'recipient' | 'recipient-later' | 'quota' | 'account' | 'network' | 'throttled' | 'transient';

/**
 * Keyed by DeliveryError kind (a table of data). A server that refuses connections after this run already
 * delivered through it has gone away: network loss, not a wrong setting; a temporary failure without any reply
 * from the server is the network too.
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
export const attemptsFor: Record<Cost, { attempts: number; exhausted: Exclude<Step['then'], 'retry'> }> = {
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

/** With no retry time from the server and no daily window to ask, a used-up quota pauses the run this long. */
const quotaPauseMs = 3_600_000;

/** What is known besides the failure itself. */
export interface FailureContext {
  /** This recipient's hand-offs in this run, the failed one included. */
  attempt: number;
  /**
   * This recipient's hand-offs refused in a row with nothing delivered through the account in between, the failed one
   * included. A throttling refusal counts against the recipient by these only: while other messages get through, the
   * account moves at the pace it was slowed to, and the recipient is only waiting its turn.
   */
  stalled?: number;
  /** Something was delivered through the account in this run: it was reachable. */
  deliveredBefore: boolean;
  now: number;
  /** After a `slow` action: how long the account's pace now holds this recipient. */
  heldMs?: number;
  random?: () => number;
}

/** Slow the whole account on the limit a throttling reply named, and hold every send until `until` (the server's time). */
export interface Slowdown {
  limit: ThrottledLimit;
  until?: number;
  /** The server's words, for the limit change the person sees. */
  reason: string;
}

/** When a paused run may go on: a time, or when the account's daily window frees up (else `orAt`). */
export type PauseEnd = { at: number } | { whenQuotaFrees: true; orAt: number };

/**
 * The whole action. `pause` and `stop` defer the recipient and end the run (a pause without `until`: no time
 * is known); `slow` is the first of two steps (see decide).
 */
export type Action =
  | { then: 'in-doubt' | 'fail' | 'defer'; words: string }
  | { then: 'retry'; afterMs: number; words: string }
  | { then: 'slow'; slow: Slowdown; words: string }
  | { then: 'pause'; until?: PauseEnd; words: string }
  | { then: 'stop'; words: string };

/**
 * What to do about a failed hand-off. A throttling reply is decided in two steps: first `slow` (the send loop
 * slows the account on the limit named, and its pacer says how long that holds this recipient), then, asked
 * again with that `heldMs`, retry after the hold, defer when out of attempts, or pause when the hold is longer
 * than maxRetryWaitMs.
 */
export function decide(failure: DeliveryError, context: FailureContext): Action {
  const words = failure.message;
  // Handed over and lost: the server may have it; never retried in this run.
  if (isInDoubt(failure)) return { then: 'in-doubt', words };
  if (failure.kind === 'throttled' && context.heldMs === undefined) return { then: 'slow', slow: slowdownFor(failure), words };
  const attempt = failure.kind === 'throttled' ? (context.stalled ?? context.attempt) : context.attempt;
  const step = nextStep(failure, attempt, context.deliveredBefore, context.heldMs, context.random, context.now);
  if (step.then === 'retry') return { then: 'retry', afterMs: step.inMs, words };
  if (step.then === 'pause') return pauseFor(failure, step.cost, context);
  return { then: step.then, words };
}

/** Every throttling row of the rule tables names its limit; a throttled failure made elsewhere without one slows the rate. */
function slowdownFor(failure: DeliveryError): Slowdown {
  const until = failure.details.retryAt?.getTime();
  return { limit: failure.details.limit ?? 'rate', ...(until !== undefined && { until }), reason: failure.message };
}

/** The quota (until the server's time or the daily window frees), a server that asked for a long wait, or the network. */
function pauseFor(failure: DeliveryError, cost: Cost, { now, heldMs = 0 }: FailureContext): Action {
  if (cost === 'quota') {
    const retryAt = failure.details.retryAt?.getTime();
    const until: PauseEnd = retryAt !== undefined ? { at: retryAt } : { whenQuotaFrees: true, orAt: now + quotaPauseMs };
    return { then: 'pause', until, words: `the account's sending quota is used up (${failure.message})` };
  }
  if (cost === 'throttled') return { then: 'pause', until: { at: now + heldMs }, words: `the server asked to wait (${failure.message})` };
  return { then: 'pause', words: `cannot reach the server (${failure.message})` };
}

/** The retry table's step for a recipient: retry after `inMs`, or what its cost comes to (fail, defer, pause, stop). */
export type Step = { then: 'retry'; inMs: number } | { then: 'fail' | 'defer' | 'pause' | 'stop'; cost: Cost };

/**
 * The step the tables give: `heldMs` is how long the pacer holds this recipient after a throttling reply (the
 * server's retry time or the adaptive backoff); a hold longer than maxRetryWaitMs pauses the run instead.
 */
export function nextStep(
  failure: DeliveryError,
  attempt: number,
  deliveredBefore: boolean,
  heldMs = 0,
  random = Math.random,
  now = Date.now(),
): Step {
  const cost = costOf[failure.kind](failure, deliveredBefore);
  const { attempts, exhausted } = attemptsFor[cost];
  if (cost === 'throttled' && heldMs > maxRetryWaitMs) return { then: 'pause', cost };
  if (attempt >= attempts) return { then: exhausted, cost };
  if (cost === 'recipient-later') return { then: 'retry', inMs: recipientWait(failure, attempt, random, now) };
  return { then: 'retry', inMs: cost === 'throttled' ? heldMs : backoff(attempt, random) };
}

/** First wait of a recipient refused for now (greylisting lets a retry through after minutes, often 1–5). */
const recipientWaitMs = 15_000;

/**
 * The server's own retry time, else 15 s, 30 s, 1 min, 2 min, 4 min (±20 %): together past the 5 minutes
 * common greylisting daemons (postgrey) hold a first attempt back.
 */
function recipientWait(failure: DeliveryError, attempt: number, random: () => number, now: number): number {
  const hinted = (failure.details.retryAt?.getTime() ?? 0) - now;
  return Math.max(hinted, backoff(attempt, random) * (recipientWaitMs / 1000));
}

/** 1 s, 2 s, 4 s … with ±20 % jitter. */
export function backoff(attempt: number, random = Math.random): number {
  return 1000 * 2 ** (attempt - 1) * (0.8 + random() * 0.4);
}
