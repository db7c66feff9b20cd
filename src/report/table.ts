import type { RecipientStatus } from '../status.js';
import { formatLimits } from '../throttle/rate.js';
import { serverReply, totalsText } from './reply-text.js';
import type { Summary } from './summary.js';
import type { RecipientOutcome } from './outcome.js';
import { localTime, localTimesIn } from '../system/local-time.js';
import { printable } from '../system/terminal-text.js';

const listLimit = 50;

/** The human report. */
export function formatTable(summary: Summary): string {
  const { totals } = summary;
  const lines = [
    `Campaign    ${printable(summary.name)} — ${summary.campaign} (via ${summary.via})`,
    `Status      ${summary.status}${summary.reason ? ` — ${localTimesIn(summary.reason)}` : ''}`,
  ];
  if (summary.lock) lines.push(`Lock        ${lockLine(summary.lock)}`);
  if (summary.paused_until) lines.push(`Paused until ${localTime(summary.paused_until)}`);
  if (summary.started_at) lines.push(`Started     ${localTime(summary.started_at, { seconds: true })}`);
  if (summary.ended_at) lines.push(`Ended       ${localTime(summary.ended_at, { seconds: true })}`);
  if (summary.throughput_per_minute !== undefined) lines.push(`Throughput  ${summary.throughput_per_minute} messages/min`);
  lines.push(`Recipients  ${totals.recipients} valid: ${totalsText(totals)}`);
  const { cc, bcc } = summary.copies;
  if (cc || bcc) lines.push(`Copies      ${cc} cc · ${bcc} bcc (with the sent messages; each counts against the daily limit)`);
  // report --failed lists only the recipients who did not get the message (status lists only those in doubt, silently).
  const failedOnly = summary.listed?.includes('failed');
  const shown = (status: RecipientStatus) => !failedOnly || summary.listed!.includes(status);
  if (failedOnly) lines.push(`Listed      ${summary.listed!.map((status) => status.replace('_', ' ')).join(', ')} recipients only`);
  const sections: [string, Record<string, number>, RecipientStatus][] = [
    ['Failed', summary.failed_by_reason, 'failed'],
    ['Skipped', summary.skipped_by_reason, 'skipped'],
  ];
  for (const [title, byReason, status] of sections.filter(([, , status]) => shown(status))) {
    for (const [reason, count] of Object.entries(byReason)) {
      const matching = summary.recipients.filter((outcome) => outcome.status === status && (outcome.reason ?? 'unknown') === reason);
      lines.push('', `${title}: ${reason} (${count})`, ...listed(matching));
    }
  }
  const deferred = summary.recipients.filter((outcome) => outcome.status === 'deferred');
  if (deferred.length)
    lines.push('', `Deferred (${deferred.length}): temporary failures kept coming back; resume tries them again`, ...listed(deferred));
  const inDoubt = summary.recipients.filter((outcome) => outcome.status === 'in_doubt');
  if (inDoubt.length) {
    lines.push(
      '',
      `In doubt (${inDoubt.length}): handed to the server, outcome not recorded; resume resends them unless --in-doubt skip`,
      ...listed(inDoubt),
    );
  }
  const refusedCopies = summary.recipients.flatMap((outcome) =>
    (outcome.refused_copies ?? []).map(
      ({ address, reply }) => `  ${printable(address)} (copy of ${printable(outcome.recipient)}'s message) — ${printable(reply)}`,
    ),
  );
  if (refusedCopies.length && !failedOnly)
    lines.push(
      '',
      `Copies refused (${refusedCopies.length}): the recipient got the message, these copies did not`,
      ...refusedCopies.slice(0, listLimit),
    );
  lines.push(...afterDeliveryLines(summary));
  if (summary.limit_changes.length && !failedOnly) {
    lines.push('', `Limit changes (${summary.limit_changes.length}):`);
    for (const change of summary.limit_changes.slice(-listLimit)) {
      lines.push(`  ${localTime(change.at, { seconds: true })}  ${formatLimits(change)} — ${change.why}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** What `bounces check` found for this campaign: rates over the messages sent, and who bounced, complained or unsubscribed. */
function afterDeliveryLines(summary: Summary): string[] {
  const after = summary.after_delivery;
  if (!after.bounced && !after.soft_bounced && !after.complained && !after.unsubscribed) return [];
  const lines = [
    '',
    `After delivery  ${after.bounced} bounced (${percent(after.bounce_rate)} of sent) · ${after.soft_bounced} soft bounce(s) · ` +
      `${after.complained} complaint(s) (${percent(after.complaint_rate)}) · ${after.unsubscribed} unsubscribed`,
  ];
  const titles = {
    bounced: 'Delivered, then bounced',
    complained: 'Delivered, then complained',
    unsubscribed: 'Delivered, then unsubscribed',
  } as const;
  for (const [event, title] of Object.entries(titles)) {
    const matching = summary.recipients.filter((outcome) => outcome.after?.event === event);
    if (!matching.length) continue;
    lines.push('', `${title} (${matching.length}):`);
    for (const { recipient, after: note } of matching.slice(0, listLimit)) {
      const status = note!.status ? ` — ${note!.hard === false ? 'soft ' : ''}${note!.status}` : '';
      lines.push(`  ${printable(recipient)}${status}${note!.detail ? ` ${printable(note!.detail)}` : ''}`);
    }
    if (matching.length > listLimit) lines.push(`  … and ${matching.length - listLimit} more (use --format csv for all)`);
  }
  return lines;
}

export function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate && rate < 0.01 ? 2 : 1)} %`;
}

function listed(outcomes: RecipientOutcome[]): string[] {
  const lines = outcomes.slice(0, listLimit).map((outcome) => `  ${describe(outcome)}`);
  if (outcomes.length > listLimit) lines.push(`  … and ${outcomes.length - listLimit} more (use --format csv for all)`);
  return lines;
}

function lockLine({ pid, host, since, age_seconds, owner }: NonNullable<Summary['lock']>): string {
  const held = `pid ${pid} on ${host} since ${localTime(since, { seconds: true })} (${Math.round(age_seconds / 60)} min)`;
  if (owner === 'alive') return `held by ${held}, running`;
  if (owner === 'dead') return `left by ${held}, which has exited; the next run takes it over`;
  return `held by ${held}; cannot be checked from here: if that machine is gone, \`mailshot campaign unlock\` clears it`;
}

function describe(outcome: RecipientOutcome): string {
  const where = outcome.line ? `line ${outcome.line}: ` : '';
  const reply = serverReply(outcome);
  return `${where}${printable(outcome.recipient) || '(empty)'}${reply ? ` — ${printable(reply)}` : ''}`;
}
