import path from 'node:path';
import { InputError } from '../errors.js';
import { systemClock, type Clock } from '../throttle/clock.js';
import { DailyUsage } from '../throttle/daily.js';
import { parseRate, type Rate } from '../throttle/rate.js';
import type { AccountLimits } from './account.js';
import { configDir } from '../auth/config-dir.js';
import { AccountRegistry, SavedAccounts } from './registry.js';
import { LearnedCeiling } from '../throttle/learned-ceiling.js';
import { AccountSlots } from '../throttle/slots.js';
import { SharedRate } from '../throttle/shared-rate.js';
import type { Transport } from '../transports/transport.js';

/** Limits in force for one run: the account's, overridden by the run's options, over the kind's defaults. */
export interface EffectiveLimits {
  maxConcurrent: number;
  perConnection?: number;
  rate?: Rate;
  dailyLimit?: number;
}

export const defaultMaxConcurrent = 4;

export function mergeLimits(...layers: (AccountLimits | undefined)[]): AccountLimits {
  const merged: AccountLimits = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) {
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
  }
  return merged;
}

export function effectiveLimits(limits: AccountLimits): EffectiveLimits {
  return {
    maxConcurrent: limits.maxConcurrent ?? defaultMaxConcurrent,
    perConnection: limits.perConnection,
    rate: limits.rate === undefined ? undefined : parseRate(limits.rate),
    dailyLimit: limits.dailyLimit,
  };
}

/** The account's rolling 24 h send log, in the config folder: outside any campaign, shared by all of them. */
export function dailyUsage(account: string, dailyLimit: number | undefined, clock: Clock = systemClock): DailyUsage {
  return new DailyUsage(path.join(configDir(), 'usage', account), dailyLimit, clock);
}

/** The account's concurrency slots and rate turns, in the config folder: shared by every process sending through it. */
export function sharedLimits(account: string, transport: Transport, clock: Clock = systemClock): SharedLimits {
  const dir = slotsDir(account);
  const slots = new AccountSlots(dir, clock, () => transport.closeIdle?.() ?? Promise.resolve());
  const rate = new SharedRate(dir, clock);
  return { slots, rate, close: () => Promise.all([slots.close(), rate.close()]).then(() => undefined) };
}

/** The account's slots and rate turns, as a run holds them. */
export interface SharedLimits {
  slots: AccountSlots;
  rate: SharedRate;
  /** Gives back every slot this process holds. */
  close(): Promise<void>;
}

function slotsDir(account: string): string {
  return path.join(configDir(), 'slots', account);
}

/** How many of the account's slots are in use now, by which processes (for `status` and `accounts list`). */
export async function slotsInUse(account: string): Promise<{ in_use: number; by: number[] }> {
  const pids = await AccountSlots.inUse(slotsDir(account));
  return { in_use: pids.length, by: [...new Set(pids)] };
}

/**
 * `accounts set`: changes limits; a daily limit below what was already sent in the window is refused. A
 * `maxConcurrent` the person gives replaces the concurrency the server refused earlier (the learned ceiling),
 * as `forgetLearned` does; `forgotten` describes what was forgotten.
 */
export async function setAccountLimits(
  name: string,
  limits: AccountLimits,
  forgetLearned = false,
): Promise<{ limits: AccountLimits; forgotten?: string }> {
  const registry = await AccountRegistry.open();
  const account = registry.get(name);
  if (limits.dailyLimit !== undefined) {
    const sent = await dailyUsage(name, undefined).sentInWindow();
    if (limits.dailyLimit < sent) {
      throw new InputError(
        `--daily-limit ${limits.dailyLimit} is below the ${sent} recipient(s) "${name}" already sent to in the last 24 hours; choose at least ${sent}`,
      );
    }
  }
  account.limits = mergeLimits(account.limits, limits);
  registry.put(account);
  if (!forgetLearned && limits.maxConcurrent === undefined) return { limits: account.limits };
  const learned = (await LearnedCeiling.load(configDir(), name)).learned;
  await LearnedCeiling.forget(configDir(), name);
  return { limits: account.limits, forgotten: learned && `${learned.concurrency} at once` };
}

/** A concurrency the account's server refused, as `status` shows it: how many, why, until when. */
export interface LearnedStanding {
  concurrency: number;
  why: string;
  until: string;
}

/** For `campaign status`: the account's configured limits, its sends in the last 24 hours, and a learned ceiling. */
export async function accountStanding(
  name: string,
): Promise<
  { limits: AccountLimits; sent_last_24h: number; slots: { in_use: number; by: number[] }; learned?: LearnedStanding } | undefined
> {
  const account = (await SavedAccounts.read()).find(name);
  if (!account) return undefined;
  const learned = (await LearnedCeiling.load(configDir(), name)).learned;
  return {
    limits: account.limits,
    sent_last_24h: await dailyUsage(name, undefined).sentInWindow(),
    slots: await slotsInUse(name),
    ...(learned ? { learned: { concurrency: learned.concurrency, why: learned.why, until: learned.expiresAt } } : {}),
  };
}
