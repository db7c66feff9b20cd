/** At most this many characters of a rejected CSV cell are printed, journaled and reported. */
export const maxExcerptLength = 100;

/** A short excerpt of a value for messages and records: a 900 KB junk cell must not become 900 KB of output. */
export function excerpt(value: string, length = maxExcerptLength): string {
  if (value.length <= length) return value;
  const cut = value.slice(0, length);
  return `${/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut}…`; // never half a surrogate pair
}
