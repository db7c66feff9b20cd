import pLimit, { type LimitFunction } from 'p-limit';
import type { EffectiveLimits } from '../accounts/limits.js';
import { AdaptiveController, type LimitChange } from '../throttle/adaptive.js';
import type { Clock } from '../throttle/clock.js';
import type { DailyUsage, Reservation } from '../throttle/daily.js';
import { RateLimiter, type Rate } from '../throttle/rate.js';
import type { CampaignState } from '../store/state.js';
import type { LearnedCeiling } from '../throttle/learned-ceiling.js';
import type { SharedLimits } from '../accounts/limits.js';
import { WindowLearner } from '../throttle/window.js';
import type { Slowdown } from './decide.js';

/** Longest wait between two looks at whether the learned window lets a message go (a refusal streak may end sooner). */
const windowPollMs = 50;

/** A message's place in the daily window and the time it was sent (its turn, for the learned window). */
export type Sending = Reservation & { turn: number };

/**
 * Everything that decides *when* a message may go: the concurrency cap (changed at run time), the rate,
 * the account's rolling daily limit, and the adaptive controller that moves the first two.
 */
export class Pacer {
  readonly slots: LimitFunction;
  private readonly rate: RateLimiter;
  private readonly controller: AdaptiveController;
  private readonly window = new WindowLearner();
  private lastDecrease = -Infinity;
  private lastRefusal = '';
  /** Messages sent and not yet answered; per send time, the most in flight (each included) when one left then. */
  private open = 0;
  private readonly openAtSend = new Map<number, { peak: number; unanswered: number }>();

  constructor(
    limits: EffectiveLimits,
    private readonly usage: DailyUsage | undefined,
    private readonly clock: Clock,
    private readonly onChange: (change: LimitChange) => void,
    /** Where a concurrency the server refuses is remembered for the account's next runs. */
    private readonly learned?: LearnedCeiling,
    /** Start below this concurrency (refused in an earlier run), unless the person gave a limit. */
    learnedCap?: number,
    /** The account's slots and rate turns, shared with every other process sending through it. */
    private readonly shared?: SharedLimits,
  ) {
    this.controller = new AdaptiveController({ concurrency: limits.maxConcurrent, rate: limits.rate }, learnedCap);
    this.slots = pLimit(this.controller.current.concurrency);
    this.rate = new RateLimiter(limits.rate, clock, shared?.rate);
  }

  /**
   * Runs `fn` in one of this run's slots (its concurrency, changed at run time) and one of the account's
   * (shared with every process sending through it). Undefined when interrupted while waiting for one.
   */
  inSlot<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T | undefined> {
    return this.slots(async () => {
      const shared = this.shared?.slots;
      const index = shared ? await shared.take(this.slots.concurrency, signal).catch(abortedOrThrow(signal)) : 0;
      if (index === undefined) return undefined;
      try {
        return await fn();
      } finally {
        shared?.done(index);
      }
    });
  }

  /**
   * Waits for the rate and the window learned from the server's refusals, then takes the message's recipients
   * from the daily window (or says when it frees up).
   */
  async beforeSend(signal: AbortSignal, recipients = 1): Promise<Sending> {
    await this.rate.take(signal);
    // The turn is the time the window recorded: read again, the clock may have moved on, and the refusal or
    // send time given for it later would find nothing to forget or move.
    let turn = this.clock.now();
    for (let wait = this.window.take(turn); wait > 0; wait = this.window.take(turn)) {
      await this.clock.sleep(Math.min(wait, windowPollMs), signal);
      turn = this.clock.now();
    }
    const reservation = this.usage ? await this.usage.reserve(recipients) : ({ ok: true } as const);
    return { ...reservation, turn };
  }

  /** The message given its turn at `turn` leaves now; returns its send time (what onAccepted and slowDown take). */
  sending(turn: number): number {
    const now = this.clock.now();
    this.window.sent(turn, now);
    const sent = this.openAtSend.get(now) ?? { peak: 0, unanswered: 0 };
    sent.peak = Math.max(sent.peak, ++this.open);
    sent.unanswered++;
    this.openAtSend.set(now, sent);
    return now;
  }

  /** The answer to the message sent at `sentAt` (taken, refused or lost) has been dealt with. */
  answered(sentAt: number): void {
    this.open--;
    const sent = this.openAtSend.get(sentAt);
    if (sent && --sent.unanswered === 0) this.openAtSend.delete(sentAt);
  }

  /** The server refused the message, or never got it: its recipients (or `recipients` of them) go back to the daily window. */
  async giveBack(reservation: Reservation, recipients?: number): Promise<void> {
    if (reservation.ok && reservation.token) await this.usage?.release(reservation.token, recipients);
  }

  /** The server took the message sent at `turn`. */
  onAccepted(turn: number): void {
    if (this.window.accepted(turn)) this.announceWindow();
    this.apply(this.controller.onSuccess(this.slots.pendingCount > 0));
  }

  /**
   * The server asked to slow down the message sent at `turn`, on the limit it named (decide.ts). About the message
   * rate: the window learns from it, and this recipient waits for the next try. About connections: cut concurrency
   * (once per burst of replies: the messages already in flight when the cut happened report the old overload —
   * though each further refusal in the burst keeps the concurrency cap below what was in flight when it left).
   * Either way the whole account holds until the server's retry time when it gave one. Returns how long this
   * recipient waits to retry.
   */
  slowDown({ limit, until: retryAt, reason }: Slowdown, turn: number): number {
    const now = this.clock.now();
    if (retryAt) this.rate.holdUntil(retryAt);
    if (limit === 'rate') {
      if (!this.window.current) this.lastRefusal = reason;
      return Math.max(this.window.refused(turn, now), retryAt ?? 0) - now;
    }
    this.window.forget(turn);
    const capBefore = this.controller.cap;
    const again = now - this.lastDecrease < 1000;
    // Counted when the refused message left: the server had at most these open then (those answered since were too).
    // Never sent (no count): the controller assumes the current limit was in flight.
    const inFlight = this.openAtSend.get(turn)?.peak;
    const { change, waitMs } = again
      ? { change: this.controller.onRefusedAgain(reason, inFlight), waitMs: 1000 }
      : this.controller.onThrottled(reason, inFlight);
    if (!again) this.lastDecrease = now;
    const cap = this.controller.cap;
    if (cap !== undefined && cap !== capBefore) void this.learned?.remember(cap, reason);
    this.apply(change);
    return Math.max(waitMs, (retryAt ?? 0) - now);
  }

  private announceWindow(): void {
    const window = this.window.current;
    if (!window) return;
    const seconds = Math.round(window.perMs / 10) / 100;
    const why = `keeping to ${window.count} messages per ${seconds} s, learned from the server's refusals (${this.lastRefusal})`;
    // Shown as the rate it comes to (the pace itself stays with the controller's limits and the window).
    this.onChange({ from: this.controller.current, to: { ...this.controller.current, rate: window }, why });
  }

  private apply(change: LimitChange | undefined): void {
    if (!change) return;
    this.slots.concurrency = change.to.concurrency;
    this.rate.setRate(change.to.rate);
    this.onChange(change);
  }
}

/**
 * With `--spread`, the recipients still to send are spaced evenly over what is left of the window;
 * the account's own rate still applies when it is the lower.
 */
export function spreadLimits(
  limits: EffectiveLimits,
  state: Pick<CampaignState, 'spreadUntil' | 'recipients'>,
  finished: number,
  now = Date.now(),
): EffectiveLimits {
  const windowMs = state.spreadUntil ? Date.parse(state.spreadUntil) - now : 0;
  if (windowMs <= 0) return limits;
  const left = state.recipients - finished;
  if (left <= 0) return limits;
  const spread: Rate = { count: left, perMs: windowMs };
  const slower = !limits.rate || spread.count / spread.perMs < limits.rate.count / limits.rate.perMs;
  return slower ? { ...limits, rate: spread } : limits;
}

/** An abort while waiting is no error (the run is ending); anything else is. */
function abortedOrThrow(signal: AbortSignal) {
  return (error: unknown): undefined => {
    if (signal.aborted) return undefined;
    throw error;
  };
}
