import { InvalidArgumentError } from 'commander';
import type { Command as TypedCommand, OptionValues } from '@commander-js/extra-typings';
import type { AccountLimits } from '../accounts/account.js';
import { MailshotError } from '../errors.js';
import { parseRate } from '../throttle/rate.js';

/** Commander argument parser for a whole number ≥ min. */
export function wholeNumber(min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min) {
      throw new InvalidArgumentError(`expected a whole number${min > 0 ? ` of at least ${min}` : ''}, got "${value}"`);
    }
    return Number(value);
  };
}

export function oneOf<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!choices.includes(value as T)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${value}"`);
    return value as T;
  };
}

/** Commander parser for N/s, N/min, N/h: returns the text, checked. */
function rateText(value: string): string {
  try {
    parseRate(value, 'rate');
    return value.trim();
  } catch (error) {
    throw new InvalidArgumentError(error instanceof MailshotError ? error.message : String(error));
  }
}

/** The sending limits, shared by `accounts add`, `accounts set` and `campaign send/resume`. */
export function sendingLimitOptions<Args extends unknown[], Opts extends OptionValues>(command: TypedCommand<Args, Opts>) {
  return command
    .option('--max-concurrent <n>', 'no more than N messages at once to this server', wholeNumber(1))
    .option('--rate <n/unit>', 'at most N messages per s, min or h (e.g. 30/min), evenly spaced', rateText)
    .option('--daily-limit <n>', 'at most N messages in any 24 hours, across all campaigns of the account', wholeNumber(1));
}

/** SMTP accounts only: for Google and Microsoft accounts, messages-per-connection means nothing. */
export function perConnectionOption<Args extends unknown[], Opts extends OptionValues>(command: TypedCommand<Args, Opts>) {
  return command.option('--per-connection <n>', 'SMTP accounts: reconnect after N messages on one connection', wholeNumber(1));
}

/** Only the limits, of all the flags. */
export function limitsFrom(flags: AccountLimits): AccountLimits {
  return { maxConcurrent: flags.maxConcurrent, perConnection: flags.perConnection, rate: flags.rate, dailyLimit: flags.dailyLimit };
}
