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
  if (summary.lock) lines.push(`Lock        ${lockLine(summary.lock)}`);
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

function lockLine({ pid, host, since, age_seconds, owner }: NonNullable<Summary['lock']>): string {
  const held = `pid ${pid} on ${host} since ${since} (${Math.round(age_seconds / 60)} min)`;
  if (owner === 'alive') return `held by ${held}, running`;
  if (owner === 'dead') return `left by ${held}, which has exited; the next run takes it over`;
  return `held by ${held}; cannot be checked from here: if that machine is gone, \`mailshot campaign unlock\` clears it`;
}

function describe(outcome: RecipientOutcome): string {
  const where = outcome.line ? `line ${outcome.line}: ` : '';
  const code = outcome.code ? ` ${outcome.code}` : '';
  const detail = outcome.detail ? ` —${code} ${printable(outcome.detail)}` : '';
  return `${where}${printable(outcome.recipient) || '(empty)'}${detail}`;
}

/** CSV cells and server replies reach the terminal: control characters are shown escaped, not acted on. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (character) => JSON.stringify(character).slice(1, -1));
}
