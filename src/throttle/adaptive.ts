import { limitNamedBy } from '../transports/classify.js';
import type { ThrottledLimit } from '../transports/transport.js';
import type { Rate } from './rate.js';

export interface Limits {
  concurrency: number;
  rate?: Rate;
}

export interface LimitChange {
  from: Limits;
  to: Limits;
  why: string;
}

/** Consecutive successes before one step back up. */
const successesPerStep = 20;
const maxBackoffMs = 60_000;
/** Slowest rate a decrease goes down to: one message a minute. */
const floorPerMinute = 1;

/**
 * AIMD on the limit the server complained about. About connections: concurrency halves (floor 1) and
 * never climbs back to the number that was refused. About the message rate: the rate drops to half, or —
 * when the rate the server accepted recently is known — to 95% of that, whichever is faster, so it settles
 * just under the server's real limit instead of swinging between it and half of it. Each run of successes
 * adds one connection and 2.5% of the rate at which the server pushed back, up to the configured ceiling
 * (when there is no configured rate, the rate keeps probing upward until the next push-back).
 */
export class AdaptiveController {
  private limits: Limits;
  private successes = 0;
  private throttles = 0;
  private stepPerMs = 0;
  private concurrencyCap = Infinity;

  /** `learnedCap`: a concurrency refused in an earlier run (src/throttle/learned-ceiling.ts): stay below it from the start. */
  constructor(
    private readonly ceiling: Limits,
    learnedCap?: number,
  ) {
    this.concurrencyCap = learnedCap ?? Infinity;
    this.limits = { ...ceiling, concurrency: Math.min(ceiling.concurrency, this.concurrencyCap) };
  }

  get current(): Limits {
    return this.limits;
  }

  /** The highest concurrency allowed after connection refusals, if one was refused. */
  get cap(): number | undefined {
    return Number.isFinite(this.concurrencyCap) ? this.concurrencyCap : undefined;
  }

  /**
   * Returns the new limits (with why) and how long to back off (1 s, 2 s, 4 s … with jitter). `limit` is what
   * the transport read from the reply (DeliveryError.details.limit); without it, the reply is read there.
   * `inFlight`: the messages in flight when the refusal came, the refused one included (default: the current limit).
   */
  onThrottled(
    reason: string,
    observed?: Rate,
    random = Math.random,
    limit: ThrottledLimit = limitNamedBy(reason),
    inFlight = this.limits.concurrency,
  ): { change?: LimitChange; waitMs: number } {
    this.successes = 0;
    this.throttles++;
    const effective = perMs(this.limits.rate) ?? perMs(observed);
    const to: Limits = { ...this.limits };
    // A complaint about connections halves them and leaves the rate alone; one about the message rate
    // cuts the rate and leaves the connections alone (fewer would only add round trips).
    if (limit === 'connections' || effective === undefined) {
      to.concurrency = Math.max(1, Math.floor(this.limits.concurrency / 2));
      // Refused with this many open: never again as many (the configured limit may be far above it). A rate
      // complaint before any rate is known only slows down for now: it says nothing about connections.
      if (limit === 'connections') this.concurrencyCap = Math.max(1, Math.min(this.concurrencyCap, inFlight - 1));
    } else {
      const measured = perMs(observed);
      const target = Math.max(effective / 2, measured === undefined ? 0 : Math.min(effective, measured * 0.95));
      to.rate = toRate(Math.max(target, floorPerMinute / 60_000));
      this.stepPerMs = effective / 40;
    }
    const waitMs = Math.min(maxBackoffMs, 1000 * 2 ** Math.min(this.throttles - 1, 6)) * (0.75 + random() * 0.5);
    return { change: this.apply(to, `throttled: ${reason}`), waitMs };
  }

  /**
   * Another refusal of the same burst (already counted by `onThrottled`): each one about connections is
   * one more request than the server takes at once, so the cap goes one lower — with 8 in flight and a
   * server that takes 4, the four refusals bring it from 7 to 4.
   */
  onRefusedAgain(reason: string, limit: ThrottledLimit = limitNamedBy(reason)): LimitChange | undefined {
    if (limit !== 'connections' || !Number.isFinite(this.concurrencyCap)) return undefined;
    this.concurrencyCap = Math.max(1, this.concurrencyCap - 1);
    return this.apply({ ...this.limits, concurrency: Math.min(this.limits.concurrency, this.concurrencyCap) }, `throttled: ${reason}`);
  }

  /** `busy`: messages were waiting for a slot; only then is one more connection worth trying (otherwise the rate binds). */
  onSuccess(busy = true): LimitChange | undefined {
    this.throttles = 0;
    if (++this.successes < successesPerStep) return undefined;
    this.successes = 0;
    const more = busy ? 1 : 0;
    const to: Limits = { concurrency: Math.min(this.ceiling.concurrency, this.concurrencyCap, this.limits.concurrency + more) };
    const current = perMs(this.limits.rate);
    if (current !== undefined) {
      const raised = current + this.stepPerMs;
      const ceiling = perMs(this.ceiling.rate);
      if (ceiling === undefined || raised < ceiling) to.rate = toRate(raised);
      else to.rate = this.ceiling.rate;
    }
    return this.apply(to, `${successesPerStep} messages accepted in a row`);
  }

  private apply(to: Limits, why: string): LimitChange | undefined {
    const from = this.limits;
    this.limits = to;
    const same = from.concurrency === to.concurrency && perMs(from.rate) === perMs(to.rate);
    return same ? undefined : { from, to, why };
  }
}

function perMs(rate: Rate | undefined): number | undefined {
  return rate && rate.count / rate.perMs;
}

/** A rate in messages per second (kept as a count per 1000 ms). */
function toRate(messagesPerMs: number): Rate {
  return { count: Math.round(messagesPerMs * 1000 * 1000) / 1000, perMs: 1000 };
}
