import { InputError } from '../errors.js';
import type { Clock } from './clock.js';
import type { SharedRate } from './shared-rate.js';

export interface Rate {
  count: number;
  perMs: number;
}

const units: Record<string, number> = { s: 1000, sec: 1000, min: 60_000, m: 60_000, h: 3_600_000 };

/** "30/min", "2/s", "500/h". */
export function parseRate(text: string, option = '--rate'): Rate {
  const match = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(s|sec|min|m|h)\s*$/.exec(text);
  if (!match || Number(match[1]) <= 0) {
    throw new InputError(`${option} "${text}": write it as N/s, N/min or N/h with N above zero, e.g. 30/min`);
  }
  return { count: Number(match[1]), perMs: units[match[2]] };
}

export function formatRate(rate: Rate): string {
  const perSecond = (rate.count * 1000) / rate.perMs;
  return perSecond >= 1 ? `${round(perSecond)}/s` : `${round(perSecond * 60)}/min`;
}

/** "4 at once, 30/min, 500 per 24 h, 100 per connection": the limits that are set, in one wording everywhere. */
export function formatLimits(limits: { concurrency?: number; rate?: string; dailyLimit?: number; perConnection?: number }): string {
  const { concurrency, rate, dailyLimit, perConnection } = limits;
  return [
    concurrency && `${concurrency} at once`,
    rate,
    dailyLimit && `${dailyLimit} per 24 h`,
    perConnection && `${perConnection} per connection`,
  ]
    .filter(Boolean)
    .join(', ');
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Spaces sends evenly at the rate, shared by every connection: a bucket of one token, so no burst ever
 * goes above the rate. `holdUntil` makes every later take wait (a server's Retry-After).
 */
export class RateLimiter {
  private nextAt = 0;

  /** `shared`: the account's turns, shared with every other process sending through it (shared-rate.ts). */
  constructor(
    private rate: Rate | undefined,
    private readonly clock: Clock,
    private readonly shared?: SharedRate,
  ) {}

  setRate(rate: Rate | undefined): void {
    this.rate = rate;
  }

  holdUntil(time: number): void {
    this.nextAt = Math.max(this.nextAt, time);
  }

  /** Resolves when this caller may send. */
  async take(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    const intervalMs = this.rate ? this.rate.perMs / this.rate.count : 0;
    const earliest = Math.max(now, this.nextAt);
    this.nextAt = earliest + intervalMs;
    const slot = this.shared && intervalMs ? await this.shared.claim(earliest, intervalMs, signal) : earliest;
    const wait = slot - this.clock.now();
    if (wait > 0) await this.clock.sleep(wait, signal);
  }
}
