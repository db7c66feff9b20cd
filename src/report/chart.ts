import { formatLimits } from '../throttle/rate.js';
import { html, type Markup } from './markup.js';
import type { Summary } from './summary.js';
import { localTime } from '../system/local-time.js';

/** A limit change or an interrupted run, numbered as the chart and the list under it show it. */
export interface TimelineEvent {
  number: number;
  kind: 'limits' | 'paused' | 'stopped';
  at: number;
  /** For an interrupted run: when the next run started. */
  until?: number;
  title: string;
  detail: string;
}

/** Limit changes and runs that ended paused or stopped, oldest first. */
export function timelineEvents(summary: Summary): TimelineEvent[] {
  const changes = summary.limit_changes.map((change) => ({
    kind: 'limits' as const,
    at: Date.parse(change.at),
    title: formatLimits(change),
    detail: change.why,
  }));
  const interruptions = summary.runs.flatMap((run, index): Omit<TimelineEvent, 'number'>[] => {
    if ((run.status !== 'paused' && run.status !== 'stopped') || !run.ended_at) return [];
    const at = Date.parse(run.ended_at);
    const next = summary.runs[index + 1];
    const until = next ? Date.parse(next.started_at) : undefined;
    const detail = until !== undefined ? `resumed ${formatDuration(until - at)} later` : (summary.reason ?? 'not resumed yet');
    return [{ kind: run.status, at, until, title: run.status, detail }];
  });
  return [...changes, ...interruptions].sort((a, b) => a.at - b.at).map((event, index) => ({ number: index + 1, ...event }));
}

/** "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / minute);
  if (ms < minute) return `${Math.round(ms / 1000)} s`;
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  const hours = Math.round(minutes / 60);
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}

const minute = 60_000;
const width = 960;
const height = 310;
const plot = { left: 56, right: 944, top: 44, bottom: 262 };
/** Idle time longer than this (a pause, a night between cron runs) is drawn as a narrow break, not to scale. */
const idleGapMs = 10 * minute;
const breakWidth = 34;
/** Above this many minutes of activity, bars cover several minutes each, so the file stays small. */
const maxBars = 360;
const markerSpacing = 20;
const axisTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const axisDate = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** A stretch of activity drawn to scale; stretches are separated by breaks. */
interface Segment {
  from: number;
  to: number;
  x: number;
  width: number;
}

interface Bar {
  from: number;
  to: number;
  sent: number;
  failed: number;
  deferred: number;
}

/**
 * Stacked bars of outcomes per minute (sent, failed, deferred) on a time axis whose idle stretches are
 * collapsed into breaks, with a numbered marker per limit change and per interrupted run.
 */
export function timelineChart(perMinute: Summary['per_minute'], events: TimelineEvent[]): { svg: Markup; minutesPerBar: number } {
  const times = [
    ...perMinute.map((entry) => Date.parse(entry.minute)),
    ...events.flatMap((event) => (event.until === undefined ? [event.at] : [event.at, event.until])),
  ].map(floorMinute);
  const segments = segmentsOf(times);
  const activeMinutes = segments.reduce((total, segment) => total + (segment.to - segment.from) / minute, 0);
  const minutesPerBar = Math.ceil(activeMinutes / maxBars);
  const bars = barsOf(perMinute, segments, minutesPerBar * minute);
  const peak = Math.max(...bars.map((bar) => rate(bar, bar.sent + bar.failed + bar.deferred)));
  const step = niceStep(peak / 4);
  const yMax = Math.max(step, Math.ceil(peak / step) * step);
  const x = (time: number) => xOf(segments, time);
  const y = (value: number) => plot.bottom - (value / yMax) * (plot.bottom - plot.top);

  const svg = html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="Messages per minute over time">
    <defs>
      <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <line x1="0" y1="0" x2="0" y2="6" class="hatch-line" />
      </pattern>
    </defs>
    ${yAxis(yMax, step, y)} ${breaks(segments)}
    ${events.filter((event) => event.until !== undefined).map((event) => html`<rect class="pause-band" x="${n(x(event.at))}" y="${plot.top}" width="${n(Math.max(1, x(event.until!) - x(event.at)))}" height="${plot.bottom - plot.top}" />`)}
    <g class="bars">${bars.map((bar) => barOf(bar, x, y))}</g>
    ${timeAxis(segments)} ${markers(events, x)}
  </svg>`;
  return { svg, minutesPerBar };
}

function floorMinute(time: number): number {
  return Math.floor(time / minute) * minute;
}

function segmentsOf(times: number[]): Segment[] {
  const spans: { from: number; to: number }[] = [];
  for (const time of [...times].sort((a, b) => a - b)) {
    const last = spans.at(-1);
    if (last && time - last.to <= idleGapMs) last.to = Math.max(last.to, time + minute);
    else spans.push({ from: time, to: time + minute });
  }
  const total = spans.reduce((sum, span) => sum + span.to - span.from, 0);
  // A short burst beside a long one still gets a readable width.
  const weights = spans.map((span) => Math.max(span.to - span.from, total * 0.04));
  const weightTotal = weights.reduce((sum, weight) => sum + weight, 0);
  const available = plot.right - plot.left - (spans.length - 1) * breakWidth;
  let left = plot.left;
  return spans.map((span, index) => {
    const segment = { ...span, x: left, width: (available * weights[index]) / weightTotal };
    left += segment.width + breakWidth;
    return segment;
  });
}

function xOf(segments: Segment[], time: number): number {
  for (const segment of segments) {
    if (time < segment.from) return segment.x - breakWidth / 2;
    if (time <= segment.to) return segment.x + ((time - segment.from) / (segment.to - segment.from)) * segment.width;
  }
  const last = segments.at(-1)!;
  return last.x + last.width;
}

function barsOf(perMinute: Summary['per_minute'], segments: Segment[], spanMs: number): Bar[] {
  const bars = new Map<number, Bar>();
  for (const entry of perMinute) {
    const time = Date.parse(entry.minute);
    const segment = segments.find((candidate) => time >= candidate.from && time < candidate.to)!;
    const from = segment.from + Math.floor((time - segment.from) / spanMs) * spanMs;
    const bar = bars.get(from) ?? { from, to: Math.min(segment.to, from + spanMs), sent: 0, failed: 0, deferred: 0 };
    bar.sent += entry.sent;
    bar.failed += entry.failed;
    bar.deferred += entry.deferred;
    bars.set(from, bar);
  }
  return [...bars.values()];
}

/** Average per minute over the bar's span. */
function rate(bar: Bar, count: number): number {
  return count / ((bar.to - bar.from) / minute);
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((factor) => factor * power).find((step) => step >= raw)!;
}

function barOf(bar: Bar, x: (time: number) => number, y: (value: number) => number): Markup {
  const left = x(bar.from);
  const span = x(bar.to) - left;
  const gap = Math.min(2, span * 0.2);
  let base = 0;
  const parts = (['sent', 'failed', 'deferred'] as const).map((kind) => {
    if (!bar[kind]) return undefined;
    const value = rate(bar, bar[kind]);
    const part = html`<rect
      class="${kind}"
      x="${n(left + gap / 2)}"
      y="${n(y(base + value))}"
      width="${n(Math.max(1, span - gap))}"
      height="${n(y(base) - y(base + value))}"
    />`;
    base += value;
    return part;
  });
  const counts = [`${bar.sent} sent`, bar.failed && `${bar.failed} failed`, bar.deferred && `${bar.deferred} deferred`]
    .filter(Boolean)
    .join(', ');
  const when = bar.to - bar.from > minute ? `${axisTime.format(bar.from)}–${axisTime.format(bar.to)}` : axisTime.format(bar.from);
  return html`<g class="bar"><title>${when}: ${counts}</title>${parts}</g>`;
}

function yAxis(yMax: number, step: number, y: (value: number) => number): Markup {
  const ticks: number[] = [];
  for (let value = 0; value <= yMax + step / 2; value += step) ticks.push(value);
  return html`<g class="y-axis"
    >${ticks.map(
      (value) =>
        html`<line class="grid" x1="${plot.left}" x2="${plot.right}" y1="${n(y(value))}" y2="${n(y(value))}" /><text
            x="${plot.left - 8}"
            y="${n(y(value) + 4)}"
            text-anchor="end"
            >${Number(value.toFixed(2))}</text
          >`,
    )}<text class="axis-title" transform="translate(14 ${(plot.top + plot.bottom) / 2}) rotate(-90)" text-anchor="middle"
      >messages / min</text
    ></g
  >`;
}

function breaks(segments: Segment[]): Markup[] {
  return segments.slice(1).map((segment, index) => {
    const previous = segments[index];
    const left = previous.x + previous.width;
    const middle = left + breakWidth / 2;
    const label = `${formatDuration(segment.from - previous.to)} later`;
    return html`<g class="break"
      ><title>nothing happened for ${formatDuration(segment.from - previous.to)}</title
      ><rect x="${n(left)}" y="${plot.top}" width="${breakWidth}" height="${plot.bottom - plot.top}" fill="url(#hatch)" /><text
        transform="translate(${n(middle + 4)} ${(plot.top + plot.bottom) / 2}) rotate(-90)"
        text-anchor="middle"
        >${label}</text
      ></g
    >`;
  });
}

/** Wall-clock ticks (1, 2, 5 … minutes apart, whichever leaves room), with the date under the first tick of each day. */
function timeAxis(segments: Segment[]): Markup {
  const stepsInMinutes = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080];
  const labels: Markup[] = [];
  let lastX = -Infinity;
  let lastDay = '';
  for (const segment of segments) {
    const pxPerMs = segment.width / (segment.to - segment.from);
    const stepMs = (stepsInMinutes.find((step) => step * minute * pxPerMs >= 64) ?? stepsInMinutes.at(-1)!) * minute;
    // Align ticks to the local wall clock, not to UTC.
    const offset = new Date(segment.from).getTimezoneOffset() * minute;
    const ticks = [segment.from];
    // A segment's end is left to the next segment's start label, unless it is the last.
    const end = segment === segments.at(-1) ? segment.to : segment.to - 1;
    for (let tick = Math.ceil((segment.from - offset) / stepMs) * stepMs + offset; tick <= end; tick += stepMs) ticks.push(tick);
    for (const tick of ticks) {
      const x = segment.x + ((tick - segment.from) / (segment.to - segment.from)) * segment.width;
      if (x - lastX < 52) continue;
      const day = axisDate.format(tick);
      labels.push(
        html`<line class="tick" x1="${n(x)}" x2="${n(x)}" y1="${plot.bottom}" y2="${plot.bottom + 5}" /><text
            x="${n(x)}"
            y="${plot.bottom + 18}"
            text-anchor="middle"
            >${axisTime.format(tick)}</text
          >${day !== lastDay && html`<text class="date" x="${n(x)}" y="${plot.bottom + 33}" text-anchor="middle">${day}</text>`}`,
      );
      lastX = x;
      lastDay = day;
    }
  }
  return html`<g class="x-axis"
    ><line class="axis" x1="${plot.left}" x2="${plot.right}" y1="${plot.bottom}" y2="${plot.bottom}" />${labels}</g
  >`;
}

/** A dashed line at each event's time and a numbered badge above the plot; badges of close events are spread apart. */
function markers(events: TimelineEvent[], x: (time: number) => number): Markup {
  const positions = events.map((event) => x(event.at));
  const badges: number[] = [];
  positions.forEach((position, index) => badges.push(Math.max(position, index ? badges[index - 1] + markerSpacing : plot.left)));
  for (let index = badges.length - 1; index >= 0; index--) {
    badges[index] = Math.min(badges[index], index === badges.length - 1 ? plot.right : badges[index + 1] - markerSpacing);
  }
  const badgeY = plot.top - 22;
  return html`<g class="markers"
    >${events.map((event, index) => {
      const at = positions[index];
      return html`<g class="marker marker-${event.kind}" data-event="${event.number}"
        ><title>${event.number}. ${localTime(event.at, { seconds: true })}: ${event.title} — ${event.detail}</title
        ><line class="marker-line" x1="${n(at)}" x2="${n(at)}" y1="${plot.top}" y2="${plot.bottom}" /><line
          class="leader"
          x1="${n(badges[index])}"
          y1="${badgeY + 9}"
          x2="${n(at)}"
          y2="${plot.top}"
        /><circle cx="${n(badges[index])}" cy="${badgeY}" r="9" /><text x="${n(badges[index])}" y="${badgeY + 4}" text-anchor="middle"
          >${event.number}</text
        ></g
      >`;
    })}</g
  >`;
}

/** Coordinates with one decimal keep the SVG small. */
function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}
