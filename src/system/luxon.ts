import { createRequire } from 'node:module';

let luxon: typeof import('luxon') | undefined;

/**
 * Luxon's DateTime, loaded at its first use (tens of milliseconds of start-up): a send without
 * deliver_at_local, and a final line without a time in it, never need it.
 */
export function luxonDateTime(): typeof import('luxon').DateTime {
  return (luxon ??= createRequire(import.meta.url)('luxon') as typeof import('luxon')).DateTime;
}
