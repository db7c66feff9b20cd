import { html, Markup } from './markup.js';
import { complaintLimit, hardBounceLimit } from './reputation.js';
import type { Summary } from './summary.js';
import { percent } from './table.js';

const examples = 20;
const titles = {
  bounced: 'Delivered, then bounced',
  complained: 'Delivered, then complained',
  unsubscribed: 'Delivered, then unsubscribed',
} as const;

/**
 * The report's "After delivery" section: hard-bounce and complaint rates as bars against the level where
 * mailbox providers start to push back (2 %, 0.1 %), and who bounced, complained or unsubscribed.
 */
export function afterDeliverySection(summary: Summary): Markup | false {
  const after = summary.after_delivery;
  if (!after.bounced && !after.soft_bounced && !after.complained && !after.unsubscribed) return false;
  const lists = (Object.keys(titles) as (keyof typeof titles)[]).map((event) => {
    const matching = summary.recipients.filter((outcome) => outcome.after?.event === event);
    return (
      matching.length > 0 &&
      html`<h3>${titles[event]} (${matching.length})</h3>
        <ul>
          ${matching.slice(0, examples).map(
            ({ recipient, after: note }) =>
              html`<li>
                <span class="address">${recipient}</span>
                ${note!.status && html`<code>${note!.hard === false ? 'soft ' : ''}${note!.status}</code>`}
                <span class="detail">${note!.detail}</span>
              </li>`,
          )}
        </ul>`
    );
  });
  return html`<section class="after-delivery" data-bounce-rate="${after.bounce_rate}" data-complaint-rate="${after.complaint_rate}">
    <h2>After delivery</h2>
    <p>
      ${after.bounced} hard bounce(s), ${after.soft_bounced} soft, ${after.complained} complaint(s), ${after.unsubscribed} unsubscribed —
      read from the mailbox by <code>mailshot bounces check</code>; all are on the suppression list.
    </p>
    ${rateChart(after.bounce_rate, after.complaint_rate)} ${lists}
  </section>`;
}

/** Two bars, each drawn against a scale of twice its limit, with the limit marked. */
function rateChart(bounceRate: number, complaintRate: number): Markup {
  const rows: [string, number, number, string][] = [
    ['hard bounces', bounceRate, hardBounceLimit, '2 %'],
    ['complaints', complaintRate, complaintLimit, '0.1 %'],
  ];
  const width = 600;
  const left = 110;
  const span = width - left - 90;
  const bars = rows.map(([label, rate, limit, limitText], index) => {
    const y = 10 + index * 34;
    const length = Math.min(1, rate / (limit * 2)) * span;
    const over = rate > limit;
    return html`<text x="0" y="${y + 15}">${label}</text
      ><rect class="rate-track" x="${left}" y="${y}" width="${span}" height="20" rx="4"></rect
      ><rect class="rate-bar${over ? ' over' : ''}" x="${left}" y="${y}" width="${length.toFixed(1)}" height="20" rx="4"></rect
      ><line class="rate-limit" x1="${left + span / 2}" x2="${left + span / 2}" y1="${y - 3}" y2="${y + 23}"></line
      ><text x="${left + span + 8}" y="${y + 15}" class="${over ? 'over' : ''}">${percent(rate)}</text
      ><text x="${left + span / 2 + 4}" y="${y - 4}" class="limit-text">limit ${limitText}</text>`;
  });
  return html`<svg
      class="chart rate-chart"
      viewBox="0 0 ${width} 80"
      role="img"
      aria-label="hard-bounce rate ${percent(bounceRate)}, complaint rate ${percent(complaintRate)}"
    >
      ${bars}
    </svg>
    <style>
      .rate-track {
        fill: var(--line);
      }
      .rate-bar {
        fill: var(--sent);
      }
      .rate-bar.over {
        fill: var(--failed);
      }
      .rate-limit {
        stroke: var(--text);
        stroke-dasharray: 3 2;
      }
      .rate-chart text.over {
        fill: var(--failed);
        font-weight: 600;
      }
      .rate-chart .limit-text {
        font-size: 10px;
      }
    </style>`;
}
