import { formatLimits } from '../throttle/rate.js';
import type { RecipientOutcome, Summary } from './summary.js';

const listLimit = 50;

/** The human report. */
export function formatTable(summary: Summary): string {
  const { totals } = summary;
  const lines = [
    `Campaign    ${summary.campaign} (via ${summary.via})`,
    `Status      ${summary.status}${summary.reason ? ` — ${summary.reason}` : ''}`,
  ];
  if (summary.paused_until) lines.push(`Paused until ${summary.paused_until}`);
  if (summary.started_at) lines.push(`Started     ${summary.started_at}`);
  if (summary.ended_at) lines.push(`Ended       ${summary.ended_at}`);
  if (summary.throughput_per_minute !== undefined) lines.push(`Throughput  ${summary.throughput_per_minute} messages/min`);
  lines.push(
    `Recipients  ${totals.recipients} valid: sent ${totals.sent} · failed ${totals.failed} · pending ${totals.pending}` +
      `${totals.deferred ? ` (deferred ${totals.deferred})` : ''} · in doubt ${totals.in_doubt} · skipped ${totals.skipped}`,
  );
  const { cc, bcc } = summary.copies;
  if (cc || bcc) lines.push(`Copies      ${cc} cc · ${bcc} bcc (with the sent messages; each counts against the daily limit)`);
  const sections: [string, Record<string, number>, RecipientOutcome['status']][] = [
    ['Failed', summary.failed_by_reason, 'failed'],
    ['Skipped', summary.skipped_by_reason, 'skipped'],
  ];
  for (const [title, byReason, status] of sections) {
    for (const [reason, count] of Object.entries(byReason)) {
      lines.push('', `${title}: ${reason} (${count})`);
      const matching = summary.recipients.filter((outcome) => outcome.status === status && (outcome.reason ?? 'unknown') === reason);
      for (const outcome of matching.slice(0, listLimit)) lines.push(`  ${describe(outcome)}`);
      if (matching.length > listLimit) lines.push(`  … and ${matching.length - listLimit} more (use --format csv for all)`);
    }
  }
  lines.push(...afterDeliveryLines(summary));
  if (summary.limit_changes.length) {
    lines.push('', `Limit changes (${summary.limit_changes.length}):`);
    for (const change of summary.limit_changes.slice(-listLimit)) {
      lines.push(`  ${change.at}  ${formatLimits(change)} — ${change.why}`);
    }
  }
  const inDoubt = summary.recipients.filter((outcome) => outcome.status === 'in_doubt');
  if (inDoubt.length) {
    lines.push('', `In doubt (${inDoubt.length}): handed to the server, outcome not recorded; resume resends them unless --in-doubt skip`);
    for (const outcome of inDoubt.slice(0, listLimit)) lines.push(`  ${outcome.recipient}`);
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
  const titles = { bounced: 'Delivered, then bounced', complained: 'Delivered, then complained', unsubscribed: 'Delivered, then unsubscribed' } as const;
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

function describe(outcome: RecipientOutcome): string {
  const where = outcome.line ? `line ${outcome.line}: ` : '';
  const code = outcome.code ? ` ${outcome.code}` : '';
  const detail = outcome.detail ? ` —${code} ${printable(outcome.detail)}` : '';
  return `${where}${printable(outcome.recipient) || '(empty)'}${detail}`;
}

/** CSV cells and server replies reach the terminal: control characters are shown escaped, not acted on. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (character) => JSON.stringify(character).slice(1, -1));
}
