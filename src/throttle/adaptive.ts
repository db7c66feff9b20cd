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
 * AIMD on the connections a server takes: a reply about connections halves concurrency (floor 1) and caps it
 * below the number that was refused, for good; each run of successes while messages wait for a slot adds one
 * connection back, up to the configured limit and the cap. The message rate is not moved here: the pace a
 * server's rate refusals show is learned by window.ts.
 */
export class AdaptiveController {
  private limits: Limits;
  private successes = 0;
  private throttles = 0;
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
   * A reply about connections. Returns the new limits (with why) and how long to back off (1 s, 2 s, 4 s … with
   * jitter). `inFlight`: the messages in flight when the refusal came, the refused one included (default: the
   * current limit): never again as many (the configured limit may be far above it).
   */
  onThrottled(reason: string, inFlight = this.limits.concurrency, random = Math.random): { change?: LimitChange; waitMs: number } {
    this.successes = 0;
    this.throttles++;
    const to: Limits = { ...this.limits, concurrency: Math.max(1, Math.floor(this.limits.concurrency / 2)) };
    this.concurrencyCap = Math.max(1, Math.min(this.concurrencyCap, inFlight - 1));
    const waitMs = Math.min(maxBackoffMs, 1000 * 2 ** Math.min(this.throttles - 1, 6)) * (0.75 + random() * 0.5);
    return { change: this.apply(to, `throttled: ${reason}`), waitMs };
  }

  /**
   * Another refusal about connections in the same burst (already counted by `onThrottled`). `inFlight`, counted
   * when the refused message left, bounds the cap by itself; without it each refusal is taken as one more request
   * than the server takes at once, so the cap goes one lower — with 8 in flight and a server that takes 4, the
   * four refusals bring it from 7 to 4.
   */
  onRefusedAgain(reason: string, inFlight?: number): LimitChange | undefined {
    if (!Number.isFinite(this.concurrencyCap)) return undefined;
    const bound = inFlight === undefined ? this.concurrencyCap - 1 : Math.min(this.concurrencyCap, inFlight - 1);
    this.concurrencyCap = Math.max(1, bound);
    return this.apply({ ...this.limits, concurrency: Math.min(this.limits.concurrency, this.concurrencyCap) }, `throttled: ${reason}`);
  }

  /** `busy`: messages were waiting for a slot; only then is one more connection worth trying (otherwise the rate binds). */
  onSuccess(busy = true): LimitChange | undefined {
    this.throttles = 0;
    if (++this.successes < successesPerStep || !busy) return undefined;
    this.successes = 0;
    const to: Limits = {
      ...this.limits,
      concurrency: Math.min(this.ceiling.concurrency, this.concurrencyCap, this.limits.concurrency + 1),
    };
    return this.apply(to, `${successesPerStep} messages accepted in a row`);
  }

  private apply(to: Limits, why: string): LimitChange | undefined {
    const from = this.limits;
    this.limits = to;
    return from.concurrency === to.concurrency ? undefined : { from, to, why };
  }
}
