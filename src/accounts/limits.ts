import path from 'node:path';
import { InputError } from '../errors.js';
import { systemClock, type Clock } from '../throttle/clock.js';
import { DailyUsage } from '../throttle/daily.js';
import { parseRate, type Rate } from '../throttle/rate.js';
import type { AccountLimits } from './account.js';
import { configDir } from '../auth/config-dir.js';
import { AccountRegistry } from './registry.js';

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

/** `accounts set`: changes limits; a daily limit below what was already sent in the window is refused. */
export async function setAccountLimits(name: string, limits: AccountLimits): Promise<AccountLimits> {
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
  return account.limits;
}

/** For `campaign status`: the account's configured limits and its sends in the last 24 hours. */
export async function accountStanding(name: string): Promise<{ limits: AccountLimits; sent_last_24h: number } | undefined> {
  const account = (await AccountRegistry.open()).find(name);
  if (!account) return undefined;
  return { limits: account.limits, sent_last_24h: await dailyUsage(name, undefined).sentInWindow() };
}
