import path from 'node:path';
import { statePaths } from '../store/state.js';
import { afterDeliverySection } from './after-delivery-html.js';
import { formatDuration, timelineChart, timelineEvents, type TimelineEvent } from './chart.js';
import { html, Markup } from './markup.js';
import { replyText, type RecipientOutcome, type Summary } from './summary.js';

/** The recipient table stops here so the file of a very large campaign stays easy to open. */
const maxRows = 5000;
/** Limit changes and pauses drawn and listed; a long campaign can have thousands. */
const maxEvents = 200;
/** Recipients listed under each failure reason. */
const examplesPerReason = 10;

const failureText: Record<string, string> = {
  permanent: 'the server refused these recipients (unknown user, mailbox unavailable, content refused)',
  template: 'the message could not be built for these recipients (template or size)',
  transient: 'temporary failures that kept coming back',
  throttled: 'the server kept asking to slow down',
  quota: "the account's sending quota was used up",
  auth: 'the account could not sign in',
  config: 'the connection settings need fixing',
};

const statusText: Record<string, string> = { done: 'Done', running: 'Running', paused: 'Paused', stopped: 'Stopped', interrupted: 'Interrupted' };

const number = new Intl.NumberFormat(undefined);
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const rowTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

/** Where `report --format html` writes unless told otherwise: beside the journal. */
export function htmlReportPath(campaignFile: string, stateDir: string | undefined): string {
  return path.join(statePaths(campaignFile, stateDir).dir, 'report.html');
}

/**
 * One self-contained page: inline CSS and SVG, no script, and a Content-Security-Policy that forbids
 * any fetch, so it opens the same offline and leaks nothing when it is opened or forwarded.
 */
export function formatHtml(summary: Summary): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${summary.name} — mailshot report</title>
<style>${new Markup(styles)}</style>
</head>
<body>
<main>
${header(summary)}
${totals(summary)}
${timeline(summary)}
${failures(summary)}
${skipped(summary)}
${afterDeliverySection(summary)}
${recipientTable(summary.recipients)}
<footer>Made by mailshot on ${dateTime.format(new Date())}. Times are in ${Intl.DateTimeFormat().resolvedOptions().timeZone}.</footer>
</main>
</body>
</html>
`.text;
}

function header(summary: Summary): Markup {
  const started = summary.started_at ? Date.parse(summary.started_at) : undefined;
  const ended = summary.ended_at ? Date.parse(summary.ended_at) : undefined;
  const facts = [
    html`<span class="file">${summary.campaign}</span>`,
    html`<span>via <strong>${summary.via}</strong></span>`,
    started !== undefined && html`<span>started ${dateTime.format(started)}</span>`,
    ended !== undefined && html`<span>last run ended ${dateTime.format(ended)}</span>`,
    started !== undefined && ended !== undefined && html`<span>${formatDuration(ended - started)} from start to end</span>`,
    summary.throughput_per_minute !== undefined && html`<span>${summary.throughput_per_minute} messages/min from the first message to the last</span>`,
  ];
  return html`<header>
<p class="eyebrow">mailshot report</p>
<h1>${summary.name}</h1>
<p class="facts">${facts}</p>
<p class="status status-${summary.status}" data-status="${summary.status}"><strong>${statusText[summary.status] ?? summary.status}</strong>${summary.reason && html` — ${summary.reason}`}${summary.paused_until && !summary.reason?.includes(summary.paused_until) && html` (until ${dateTime.format(Date.parse(summary.paused_until))})`}</p>
</header>`;
}

function totals(summary: Summary): Markup {
  const { totals } = summary;
  const cards: [keyof Summary['totals'], string, Markup | false][] = [
    ['sent', 'sent', totals.recipients > 0 && html`${Math.round((totals.sent / totals.recipients) * 100)}% of recipients`],
    ['failed', 'failed', false],
    ['pending', 'pending', totals.deferred > 0 && html`${number.format(totals.deferred)} deferred`],
    ['in_doubt', 'in doubt', false],
    ['skipped', 'skipped', html`not sent on purpose`],
    ['recipients', 'recipients', html`valid and distinct`],
  ];
  const share = (count: number) => `${totals.recipients ? (count / totals.recipients) * 100 : 0}%`;
  return html`<section class="totals">
<div class="cards">${cards.map(
    ([key, label, note]) =>
      html`<div class="card card-${key}"><span class="value" data-total="${key}">${number.format(totals[key])}</span><span class="label">${label}</span>${note && html`<span class="note">${note}</span>`}</div>`,
  )}</div>
<div class="meter" aria-hidden="true"><span class="sent" style="width: ${share(totals.sent)}"></span><span class="failed" style="width: ${share(totals.failed)}"></span><span class="in_doubt" style="width: ${share(totals.in_doubt)}"></span></div>
</section>`;
}

function timeline(summary: Summary): Markup {
  const events = timelineEvents(summary);
  const shown = events.slice(0, maxEvents);
  if (!summary.per_minute.length) {
    return html`<section class="timeline"><h2>Messages per minute</h2><p class="empty">No message has been handed to the server yet.</p>${eventList(shown)}</section>`;
  }
  const { svg, minutesPerBar } = timelineChart(summary.per_minute, shown);
  return html`<section class="timeline">
<h2>Messages per minute</h2>
<p class="legend"><span class="key sent"></span>sent <span class="key failed"></span>failed <span class="key deferred"></span>deferred (retried later) <span class="key marker-limits"></span>limits changed <span class="key marker-paused"></span>paused or stopped <span class="key gap"></span>idle, not to scale</p>
<div class="chart-box">${svg}</div>
${minutesPerBar > 1 && html`<p class="caption">Each bar covers ${minutesPerBar} minutes; its height is the average per minute.</p>`}
${eventList(shown)}
${events.length > shown.length && html`<p class="caption">The ${number.format(events.length - shown.length)} later events are left out here; <code>--format json</code> lists every limit change.</p>`}
</section>`;
}

function eventList(events: TimelineEvent[]): Markup | false {
  return (
    events.length > 0 &&
    html`<ol class="events">${events.map(
      (event) =>
        html`<li class="event event-${event.kind}" data-event="${event.number}"><span class="badge">${event.number}</span><time>${dateTime.format(event.at)}</time><strong>${event.kind === 'limits' ? `limits: ${event.title}` : event.title}</strong><span class="why">${event.detail}</span></li>`,
    )}</ol>`
  );
}

function failures(summary: Summary): Markup {
  const reasons = Object.entries(summary.failed_by_reason).sort(([, a], [, b]) => b - a);
  if (!reasons.length) return html`<section class="failures"><h2>Failures by reason</h2><p class="empty">No recipient failed.</p></section>`;
  const most = reasons[0][1];
  const failed = summary.recipients.filter((outcome) => outcome.status === 'failed');
  return html`<section class="failures">
<h2>Failures by reason</h2>
${reasons.map(([reason, count]) => {
  const matching = failed.filter((outcome) => (outcome.reason ?? 'unknown') === reason);
  return html`<div class="reason" data-reason="${reason}">
<div class="reason-head"><span class="reason-name">${reason}</span><span class="reason-text">${failureText[reason] ?? ''}</span><span class="reason-count" data-count="${count}">${number.format(count)}</span></div>
<div class="reason-bar"><span style="width: ${(count / most) * 100}%"></span></div>
<ul>${matching.slice(0, examplesPerReason).map((outcome) => html`<li><span class="address">${outcome.recipient}</span> ${outcome.code && html`<code>${outcome.code}</code>`} <span class="detail">${replyText(outcome)}</span></li>`)}</ul>
${matching.length > examplesPerReason && html`<p class="caption">and ${number.format(matching.length - examplesPerReason)} more in the table below</p>`}
</div>`;
})}
</section>`;
}

function skipped(summary: Summary): Markup | false {
  const reasons = Object.entries(summary.skipped_by_reason);
  return (
    reasons.length > 0 &&
    html`<section class="skipped"><h2>Skipped</h2><p>${reasons.map(([reason, count]) => html`<span class="chip" data-reason="${reason}">${reason.replaceAll('_', ' ')} <strong>${number.format(count)}</strong></span>`)}</p></section>`
  );
}

function recipientTable(recipients: RecipientOutcome[]): Markup {
  const rows = recipients.slice(0, maxRows);
  return html`<section class="recipients">
<h2>Recipients</h2>
${recipients.length > rows.length && html`<p class="caption cap-note">Showing the first ${number.format(rows.length)} of ${number.format(recipients.length)}; <code>mailshot report FILE --format csv</code> lists them all.</p>`}
<div class="table-box"><table>
<thead><tr><th>Recipient</th><th>Status</th><th>Reason</th><th>Code</th><th>Server reply or detail</th><th>When</th></tr></thead>
<tbody>${rows.map(
    (outcome) =>
      html`<tr data-status="${outcome.status}"><td class="address">${outcome.recipient || '(empty)'}${outcome.line !== undefined && html` <span class="line">line ${outcome.line}</span>`}</td><td><span class="pill pill-${outcome.status}">${outcome.status.replace('_', ' ')}</span></td><td>${outcome.reason}</td><td class="code">${outcome.code}</td><td class="detail">${replyText(outcome)}</td><td class="when">${outcome.at && rowTime.format(Date.parse(outcome.at))}</td></tr>`,
  )}</tbody>
</table></div>
</section>`;
}

const styles = `
:root { --bg: #f6f7f9; --panel: #fff; --text: #1d2330; --muted: #667085; --line: #e4e7ec;
  --sent: #2f9e6b; --failed: #d9483b; --deferred: #e6a23c; --doubt: #8e6bd8; --pending: #98a2b3; --limits: #3d7be0; --paused: #d9483b; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #12151b; --panel: #1b2029; --text: #e6e9ef; --muted: #98a2b3; --line: #2c3340; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 32px 24px 48px; }
section, header { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; padding: 20px 24px; margin-bottom: 20px; }
h1 { margin: 0 0 6px; font-size: 26px; overflow-wrap: break-word; }
h2 { margin: 0 0 14px; font-size: 17px; }
.eyebrow { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .08em; font-size: 12px; font-weight: 600; }
.facts { margin: 0 0 12px; color: var(--muted); display: flex; flex-wrap: wrap; gap: 4px 18px; }
.status { margin: 0; padding: 8px 12px; border-radius: 8px; border-left: 4px solid var(--pending); background: color-mix(in srgb, var(--pending) 12%, transparent); }
.status-done { border-color: var(--sent); background: color-mix(in srgb, var(--sent) 12%, transparent); }
.status-paused, .status-interrupted { border-color: var(--deferred); background: color-mix(in srgb, var(--deferred) 14%, transparent); }
.status-stopped { border-color: var(--failed); background: color-mix(in srgb, var(--failed) 12%, transparent); }
.status-running { border-color: var(--limits); background: color-mix(in srgb, var(--limits) 12%, transparent); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 12px; }
.card { padding: 12px 14px; border-radius: 10px; border: 1px solid var(--line); display: flex; flex-direction: column; }
.card .value { font-size: 38px; font-weight: 700; line-height: 1.1; font-variant-numeric: tabular-nums; }
.card .label { font-weight: 600; }
.card .note { color: var(--muted); font-size: 13px; }
.card-sent .value { color: var(--sent); } .card-failed .value { color: var(--failed); }
.card-in_doubt .value { color: var(--doubt); } .card-pending .value, .card-skipped .value { color: var(--muted); }
.meter { display: flex; height: 10px; border-radius: 5px; overflow: hidden; background: var(--line); margin-top: 16px; }
.meter .sent { background: var(--sent); } .meter .failed { background: var(--failed); } .meter .in_doubt { background: var(--doubt); }
.legend { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; color: var(--muted); font-size: 13px; margin: 0 0 8px; }
.key { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-left: 10px; }
.key:first-child { margin-left: 0; }
.key.sent { background: var(--sent); } .key.failed { background: var(--failed); } .key.deferred { background: var(--deferred); }
.key.marker-limits { background: var(--limits); border-radius: 50%; } .key.marker-paused { background: var(--paused); border-radius: 50%; }
.key.gap { background: repeating-linear-gradient(45deg, var(--line) 0 2px, transparent 2px 5px); border: 1px solid var(--line); }
.chart { width: 100%; height: auto; display: block; font-size: 12px; }
.chart text { fill: var(--muted); }
.chart .grid { stroke: var(--line); }
.chart .axis, .chart .tick { stroke: var(--muted); }
.chart .axis-title { font-weight: 600; }
.chart .date { font-weight: 600; }
.chart rect.sent { fill: var(--sent); } .chart rect.failed { fill: var(--failed); } .chart rect.deferred { fill: var(--deferred); }
.chart .bar:hover rect { opacity: .8; }
.chart .hatch-line { stroke: var(--line); stroke-width: 3; }
.chart .break rect { stroke: none; }
.chart .break text { font-size: 11px; }
.chart .pause-band { fill: var(--paused); opacity: .08; }
.chart .marker-line { stroke-width: 1.5; stroke-dasharray: 4 3; }
.chart .leader { stroke-width: 1; }
.chart .marker text { fill: #fff; font-size: 11px; font-weight: 700; }
.chart .marker-limits line { stroke: var(--limits); } .chart .marker-limits circle { fill: var(--limits); }
.chart .marker-paused line, .chart .marker-stopped line { stroke: var(--paused); }
.chart .marker-paused circle, .chart .marker-stopped circle { fill: var(--paused); }
.caption { color: var(--muted); font-size: 13px; margin: 8px 0 0; }
.empty { color: var(--muted); margin: 0; }
.events { list-style: none; margin: 14px 0 0; padding: 0; max-height: 320px; overflow: auto; border-top: 1px solid var(--line); }
.event { display: grid; grid-template-columns: 28px 190px minmax(120px, auto) 1fr; gap: 10px; align-items: baseline; padding: 6px 0; border-bottom: 1px solid var(--line); font-size: 14px; }
.badge { display: inline-flex; justify-content: center; align-items: center; width: 20px; height: 20px; border-radius: 50%; color: #fff; font-size: 11px; font-weight: 700; background: var(--limits); }
.event-paused .badge, .event-stopped .badge { background: var(--paused); }
.event time { color: var(--muted); font-variant-numeric: tabular-nums; }
.event .why { color: var(--muted); overflow-wrap: anywhere; }
.reason { padding: 10px 0; border-top: 1px solid var(--line); }
.reason:first-of-type { border-top: none; }
.reason-head { display: flex; gap: 12px; align-items: baseline; }
.reason-name { font-weight: 700; color: var(--failed); }
.reason-text { color: var(--muted); flex: 1; }
.reason-count { font-size: 22px; font-weight: 700; font-variant-numeric: tabular-nums; }
.reason-bar { height: 6px; background: var(--line); border-radius: 3px; margin: 6px 0; }
.reason-bar span { display: block; height: 100%; border-radius: 3px; background: var(--failed); }
.reason ul { margin: 6px 0 0; padding-left: 18px; font-size: 14px; }
.reason .detail { color: var(--muted); overflow-wrap: anywhere; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: color-mix(in srgb, var(--muted) 14%, transparent); padding: 1px 5px; border-radius: 4px; }
.skipped p { margin: 0; }
.chip { display: inline-block; margin: 0 8px 6px 0; padding: 3px 10px; border-radius: 999px; background: color-mix(in srgb, var(--muted) 14%, transparent); }
.table-box { border: 1px solid var(--line); border-radius: 8px; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th { position: sticky; top: 0; background: var(--panel); text-align: left; font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--line); }
th, td { padding: 6px 10px; vertical-align: top; }
tbody tr:nth-child(even) { background: color-mix(in srgb, var(--muted) 6%, transparent); }
/* An address or a code broken mid-word reads as two; the table scrolls sideways instead. */
td.address, td.code, .reason .address { white-space: nowrap; }
td.detail { color: var(--muted); overflow-wrap: break-word; min-width: 240px; max-width: 360px; }
td.when { white-space: nowrap; color: var(--muted); font-variant-numeric: tabular-nums; }
.line { color: var(--muted); font-size: 12px; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; color: #fff; background: var(--pending); }
.pill-sent { background: var(--sent); } .pill-failed { background: var(--failed); } .pill-deferred { background: var(--deferred); }
.pill-in_doubt { background: var(--doubt); }
footer { color: var(--muted); font-size: 13px; text-align: center; }
`;
