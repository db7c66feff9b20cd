import * as chrono from 'chrono-node';
import ms from 'ms';
import { InputError } from '../errors.js';
import { localTime } from '../system/local-time.js';

/** `--at`: an ISO time or words such as "tomorrow 09:00" (in this machine's time zone); never in the past. */
export function parseAt(text: string, now: Date): Date {
  const at = chrono.parseDate(text, now, { forwardDate: true });
  if (!at) throw new InputError(`--at "${text}": not a time; write e.g. "2026-12-01T09:00" or "tomorrow 09:00"`);
  if (at.getTime() < now.getTime() - 60_000) {
    throw new InputError(`--at "${text}" is ${localTime(at)}, in the past; give a later time, or leave out --at to send now`);
  }
  return at;
}

/** `--spread`: a duration such as "6h", "90m" or "2 days". */
export function parseSpread(text: string): number {
  // A bare number would be taken as milliseconds: "--spread 6" must not send everything at once.
  if (/^\s*[\d.]+\s*$/.test(text))
    throw new InputError(`--spread "${text}": give a unit, e.g. ${text.trim()}h, ${text.trim()}m or ${text.trim()}d`);
  const duration = ms(text as ms.StringValue) as number | undefined;
  if (duration === undefined || !Number.isFinite(duration) || duration <= 0) {
    throw new InputError(`--spread "${text}": not a duration; write e.g. 6h, 90m or 2 days`);
  }
  return duration;
}
