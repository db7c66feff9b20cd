import type { DateTime } from 'luxon';
import { luxonDateTime } from './luxon.js';

/**
 * A time for a person: local, to the minute (seconds with `seconds`), with the zone's abbreviation —
 * `2026-12-02 09:00 CET`. JSON and files keep ISO 8601 UTC.
 */
export function localTime(at: string | number | Date, options: { seconds?: boolean } = {}): string {
  const dateTime = luxonDateTime();
  const time = (typeof at === 'string' ? dateTime.fromISO(at) : dateTime.fromMillis(typeof at === 'number' ? at : at.getTime())).toLocal();
  if (!time.isValid) return String(at);
  return `${time.toFormat(options.seconds ? 'yyyy-MM-dd HH:mm:ss' : 'yyyy-MM-dd HH:mm')} ${zoneAbbreviation(time)}`;
}

/** "CET", "EST", "UTC"… Each English locale knows the abbreviations of its own region only; else "GMT+9". */
function zoneAbbreviation(time: DateTime): string {
  const names = ['en-US', 'en-GB', 'en-AU', 'en-IN'].map((locale) => time.setLocale(locale).toFormat('ZZZZ'));
  return names.find((name) => !/^GMT[+-]/.test(name)) ?? names[0];
}

/** A sentence for a person with its ISO UTC times (as kept in the state and JSON) shown as local times. */
export function localTimesIn(text: string): string {
  return text.replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z\b/g, (iso) => localTime(iso));
}
