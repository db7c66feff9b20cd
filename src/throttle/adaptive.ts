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

/**
 * AIMD: a throttle reply halves concurrency and rate (floor 1 at once, 1 per minute); a run of
 * successes adds one connection and a tenth of the configured rate, up to the configured ceiling.
 */
export class AdaptiveController {
  private limits: Limits;
  private successes = 0;
  private throttles = 0;

  constructor(private readonly ceiling: Limits) {
    this.limits = { ...ceiling };
  }

  get current(): Limits {
    return this.limits;
  }

  /** The server pushed back: returns the new limits (with why) and how long the account should wait. */
  onThrottled(reason: string, random = Math.random): { change?: LimitChange; waitMs: number } {
    this.successes = 0;
    this.throttles++;
    const to: Limits = { concurrency: Math.max(1, Math.floor(this.limits.concurrency / 2)) };
    const effective = this.limits.rate ?? this.ceiling.rate;
    if (effective) to.rate = { count: Math.max(effective.count / 2, effective.perMs / 60_000), perMs: effective.perMs };
    const waitMs = Math.min(maxBackoffMs, 1000 * 2 ** Math.min(this.throttles - 1, 6)) * (0.75 + random() * 0.5);
    return { change: this.apply(to, `throttled: ${reason}`), waitMs };
  }

  onSuccess(): LimitChange | undefined {
    this.throttles = 0;
    if (++this.successes < successesPerStep) return undefined;
    this.successes = 0;
    const to: Limits = { concurrency: Math.min(this.ceiling.concurrency, this.limits.concurrency + 1) };
    if (this.ceiling.rate) {
      const current = this.limits.rate ?? this.ceiling.rate;
      to.rate = { count: Math.min(this.ceiling.rate.count, current.count + this.ceiling.rate.count / 10), perMs: current.perMs };
    }
    return this.apply(to, `${successesPerStep} messages accepted in a row`);
  }

  private apply(to: Limits, why: string): LimitChange | undefined {
    const from = this.limits;
    const same = from.concurrency === to.concurrency && from.rate?.count === to.rate?.count;
    this.limits = to;
    return same ? undefined : { from, to, why };
  }
}
