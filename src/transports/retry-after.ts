/** When a server says to try again: a `Retry-After` header, or a time or delay written in its reply. */

/**
 * Finds "Retry after 2026-09-09T21:44:42.819Z" or "retry in 30 seconds" / "try again in 5 minutes"
 * in a reply or message. Returns undefined when there is no hint.
 */
export function retryHint(text: string, now: Date = new Date()): Date | undefined {
  const iso = /retry after\s+(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))/i.exec(text);
  if (iso) {
    const at = new Date(iso[1]!);
    if (!Number.isNaN(at.getTime())) return at;
  }
  const rel = /(?:retry|try again)\s+(?:in|after)\s+(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)\b/i.exec(text);
  if (rel) {
    const unit = rel[2]!.toLowerCase();
    const factor = unit.startsWith('h') ? 3_600_000 : unit.startsWith('m') ? 60_000 : 1000;
    return new Date(now.getTime() + Number(rel[1]) * factor);
  }
  return undefined;
}

/** A `Retry-After` header: delay in seconds (Graph sends fractions such as "2.128") or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: Date = new Date()): Date | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return new Date(now.getTime() + Math.ceil(Number(trimmed) * 1000));
  const at = new Date(trimmed);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** The later of a `Retry-After` header and a retry time in the provider's message, if either is there. */
export function latestRetryTime(header: string | undefined, text: string, now: Date): Date | undefined {
  const hints = [parseRetryAfter(header, now), retryHint(text, now)].filter((d): d is Date => d !== undefined);
  return hints.length ? new Date(Math.max(...hints.map((d) => d.getTime()))) : undefined;
}
