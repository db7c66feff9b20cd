import path from 'node:path';
import { statePaths } from '../store/state.js';
import { afterDeliverySection } from './after-delivery-html.js';
import { formatDuration, timelineChart, timelineEvents, type TimelineEvent } from './chart.js';
import { html, Markup } from './markup.js';
import { replyText } from './reply-text.js';
import type { Summary } from './summary.js';
import type { RecipientOutcome } from './outcome.js';
import { styles } from './html-styles.js';
import { localTime, localTimesIn } from '../system/local-time.js';

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

const statusText: Record<string, string> = {
  done: 'Done',
  running: 'Running',
  paused: 'Paused',
  stopped: 'Stopped',
  interrupted: 'Interrupted',
};

const number = new Intl.NumberFormat(undefined);

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
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'" />
        <title>${summary.name} — mailshot report</title>
        <style>
          ${new Markup(styles)}
        </style>
      </head>
      <body>
        <main>
          ${header(summary)} ${totals(summary)} ${timeline(summary)} ${failures(summary)} ${skipped(summary)}
          ${afterDeliverySection(summary)} ${recipientTable(summary.recipients)}
          <footer>
            Made by mailshot on ${localTime(new Date(), { seconds: true })}. Times are in
            ${Intl.DateTimeFormat().resolvedOptions().timeZone}.
          </footer>
        </main>
      </body>
    </html> `.text;
}

function header(summary: Summary): Markup {
  const started = summary.started_at ? Date.parse(summary.started_at) : undefined;
  const ended = summary.ended_at ? Date.parse(summary.ended_at) : undefined;
  const facts = [
    html`<span class="file">${summary.campaign}</span>`,
    html`<span>via <strong>${summary.via}</strong></span>`,
    started !== undefined && html`<span>started ${localTime(started, { seconds: true })}</span>`,
    ended !== undefined && html`<span>last run ended ${localTime(ended, { seconds: true })}</span>`,
    started !== undefined && ended !== undefined && html`<span>${formatDuration(ended - started)} from start to end</span>`,
    summary.throughput_per_minute !== undefined &&
      html`<span>${summary.throughput_per_minute} messages/min from the first message to the last</span>`,
  ];
  return html`<header>
    <p class="eyebrow">mailshot report</p>
    <h1>${summary.name}</h1>
    <p class="facts">${facts}</p>
    <p class="status status-${summary.status}" data-status="${summary.status}">
      <strong>${statusText[summary.status] ?? summary.status}</strong
      >${summary.reason && html` — ${localTimesIn(summary.reason)}`}${summary.paused_until && !summary.reason?.includes(summary.paused_until) && html` (until ${localTime(summary.paused_until, { seconds: true })})`}
    </p>
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
    <div class="cards">
      ${cards.map(
        ([key, label, note]) =>
          html`<div class="card card-${key}">
            <span class="value" data-total="${key}">${number.format(totals[key])}</span
            ><span class="label">${label}</span>${note && html`<span class="note">${note}</span>`}
          </div>`,
      )}
    </div>
    <div class="meter" aria-hidden="true">
      <span class="sent" style="width: ${share(totals.sent)}"></span><span class="failed" style="width: ${share(totals.failed)}"></span
      ><span class="in_doubt" style="width: ${share(totals.in_doubt)}"></span>
    </div>
  </section>`;
}

function timeline(summary: Summary): Markup {
  const events = timelineEvents(summary);
  const shown = events.slice(0, maxEvents);
  if (!summary.per_minute.length) {
    return html`<section class="timeline">
      <h2>Messages per minute</h2>
      <p class="empty">No message has been handed to the server yet.</p>
      ${eventList(shown)}
    </section>`;
  }
  const { svg, minutesPerBar } = timelineChart(summary.per_minute, shown);
  return html`<section class="timeline">
    <h2>Messages per minute</h2>
    <p class="legend">
      <span class="key sent"></span>sent <span class="key failed"></span>failed <span class="key deferred"></span>deferred (retried later)
      <span class="key marker-limits"></span>limits changed <span class="key marker-paused"></span>paused or stopped
      <span class="key gap"></span>idle, not to scale
    </p>
    <div class="chart-box">${svg}</div>
    ${minutesPerBar > 1 && html`<p class="caption">Each bar covers ${minutesPerBar} minutes; its height is the average per minute.</p>`}
    ${eventList(shown)}
    ${events.length > shown.length && html`<p class="caption">The ${number.format(events.length - shown.length)} later events are left out here; <code>--format json</code> lists every limit change.</p>`}
  </section>`;
}

function eventList(events: TimelineEvent[]): Markup | false {
  return (
    events.length > 0 &&
    html`<ol class="events">
      ${events.map(
        (event) =>
          html`<li class="event event-${event.kind}" data-event="${event.number}">
            <span class="badge">${event.number}</span><time>${localTime(event.at, { seconds: true })}</time
            ><strong>${event.kind === 'limits' ? `limits: ${event.title}` : event.title}</strong><span class="why">${event.detail}</span>
          </li>`,
      )}
    </ol>`
  );
}

function failures(summary: Summary): Markup {
  const reasons = Object.entries(summary.failed_by_reason).sort(([, a], [, b]) => b - a);
  if (!reasons.length)
    return html`<section class="failures">
      <h2>Failures by reason</h2>
      <p class="empty">No recipient failed.</p>
    </section>`;
  const most = reasons[0][1];
  const failed = summary.recipients.filter((outcome) => outcome.status === 'failed');
  return html`<section class="failures">
    <h2>Failures by reason</h2>
    ${reasons.map(([reason, count]) => {
      const matching = failed.filter((outcome) => (outcome.reason ?? 'unknown') === reason);
      return html`<div class="reason" data-reason="${reason}">
        <div class="reason-head">
          <span class="reason-name">${reason}</span><span class="reason-text">${failureText[reason] ?? ''}</span
          ><span class="reason-count" data-count="${count}">${number.format(count)}</span>
        </div>
        <div class="reason-bar"><span style="width: ${(count / most) * 100}%"></span></div>
        <ul>
          ${matching.slice(0, examplesPerReason).map((outcome) => html`<li><span class="address">${outcome.recipient}</span> ${outcome.code && html`<code>${outcome.code}</code>`} <span class="detail">${replyText(outcome)}</span></li>`)}
        </ul>
        ${matching.length > examplesPerReason && html`<p class="caption">and ${number.format(matching.length - examplesPerReason)} more in the table below</p>`}
      </div>`;
    })}
  </section>`;
}

function skipped(summary: Summary): Markup | false {
  const reasons = Object.entries(summary.skipped_by_reason);
  return (
    reasons.length > 0 &&
    html`<section class="skipped">
      <h2>Skipped</h2>
      <p>
        ${reasons.map(([reason, count]) => html`<span class="chip" data-reason="${reason}">${reason.replaceAll('_', ' ')} <strong>${number.format(count)}</strong></span>`)}
      </p>
    </section>`
  );
}

function recipientTable(recipients: RecipientOutcome[]): Markup {
  const rows = recipients.slice(0, maxRows);
  return html`<section class="recipients">
    <h2>Recipients</h2>
    ${recipients.length > rows.length && html`<p class="caption cap-note">Showing the first ${number.format(rows.length)} of ${number.format(recipients.length)}; <code>mailshot report FILE --format csv</code> lists them all.</p>`}
    <div class="table-box">
      <table>
        <thead>
          <tr>
            <th>Recipient</th>
            <th>Status</th>
            <th>Reason</th>
            <th>Code</th>
            <th>Server reply or detail</th>
            <th>When</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (outcome) =>
              html`<tr data-status="${outcome.status}">
                <td class="address">
                  ${outcome.recipient || '(empty)'}${outcome.line !== undefined && html` <span class="line">line ${outcome.line}</span>`}
                </td>
                <td><span class="pill pill-${outcome.status}">${outcome.status.replace('_', ' ')}</span></td>
                <td>${outcome.reason}</td>
                <td class="code">${outcome.code}</td>
                <td class="detail">${replyText(outcome)}</td>
                <td class="when">${outcome.at && localTime(outcome.at, { seconds: true })}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}
