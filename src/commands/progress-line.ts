/**
 * One progress line that fits `columns`: the fields are kept left to right while they fit, whole —
 * a field that does not fit is dropped with all after it, never cut mid-word. The bar takes what is left.
 */
export function fitLine(columns: number, fraction: number, fields: string[]): string {
  const width = columns - 1; // writing the last column makes some terminals wrap
  const barWidth = width >= 100 ? 30 : width >= 60 ? 20 : 10; // by the width alone: the bar does not move as fields come and go
  const separator = ' · ';
  const kept: string[] = [];
  let used = barWidth + 2; // the bar and its brackets
  for (const field of fields) {
    const cost = (kept.length ? separator.length : 1) + field.length;
    if (used + cost > width) break;
    kept.push(field);
    used += cost;
  }
  if (used > width) return '';
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * barWidth);
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${kept.length ? ' ' + kept.join(separator) : ''}`;
}

/**
 * An estimate of the time left that does not jump: the rate is smoothed (exponential average over
 * about `halfLifeMs`) and no estimate is given before a few messages and seconds have passed.
 */
export class EtaEstimate {
  private smoothed?: number;
  private last: { at: number; handled: number };

  constructor(
    private readonly startedAt: number,
    private readonly halfLifeMs = 10_000,
  ) {
    this.last = { at: startedAt, handled: 0 };
  }

  /** Feed the count handled so far; returns messages per second, smoothed. */
  sample(now: number, handled: number): number | undefined {
    const dt = now - this.last.at;
    if (dt < 500) return this.smoothed;
    const instant = ((handled - this.last.handled) / dt) * 1000;
    // The first sample is the average so far; later ones move it by how much time they cover.
    const weight = this.smoothed === undefined ? 1 : 1 - 0.5 ** (dt / this.halfLifeMs);
    this.smoothed = (this.smoothed ?? 0) + weight * (instant - (this.smoothed ?? 0));
    this.last = { at: now, handled };
    return this.smoothed;
  }

  /** Milliseconds left, once meaningful: at least 3 handled, 3 s in, and a rate above zero. */
  remainingMs(now: number, handled: number, total: number): number | undefined {
    const rate = this.sample(now, handled);
    if (handled < 3 || handled >= total || now - this.startedAt < 3000 || !rate || rate <= 0) return undefined;
    return ((total - handled) / rate) * 1000;
  }
}

/** 45s, 5m10s, 2h05m: rounded so that it does not flicker (5 s steps under 10 minutes, minutes above). */
export function formatEta(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${Math.max(5, Math.ceil(seconds / 5) * 5)}s`;
  if (seconds < 600) {
    const rounded = Math.ceil(seconds / 5) * 5;
    return `${Math.floor(rounded / 60)}m${String(rounded % 60).padStart(2, '0')}s`;
  }
  const minutes = Math.ceil(seconds / 60);
  return minutes < 60 ? `${minutes}m` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
