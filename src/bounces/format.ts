import { printable } from '../system/terminal-text.js';
import type { CheckResult } from './check.js';

const listLimit = 50;

/** The human summary of a check: counts, who was suppressed, and what matched no sent message. */
export function formatCheck(result: CheckResult): string {
  const { counts } = result;
  const lines = [
    `Mailbox of "${result.account}" (${result.identity}): ${result.messages} new message(s)`,
    `  ${counts.bounced} hard bounce(s) · ${counts.soft_bounced} soft bounce(s) · ${counts.complained} complaint(s) · ${counts.unsubscribed} unsubscribe(s)`,
    `  ${counts.auto_replies} auto-reply(ies) ignored · ${counts.other} other · ${counts.unmatched} not matched · ${counts.malformed} malformed · ${counts.too_large} too large`,
  ];
  if (result.suppressed.length) {
    lines.push('', `Suppressed (${result.suppressed.length}):`);
    for (const entry of result.suppressed.slice(0, listLimit))
      lines.push(`  ${entry.address} — ${entry.reason}${entry.detail ? `: ${printable(entry.detail)}` : ''}`);
    if (result.suppressed.length > listLimit)
      lines.push(`  … and ${result.suppressed.length - listLimit} more (see \`mailshot suppress list --account ${result.account}\`)`);
  }
  if (result.unmatched.length) {
    lines.push(
      '',
      `Not matched, malformed or too large (${counts.unmatched + counts.malformed + counts.too_large}; nobody suppressed for them):`,
    );
    for (const entry of result.unmatched.slice(0, listLimit))
      lines.push(`  ${entry.message}${entry.subject ? ` "${printable(entry.subject)}"` : ''} — ${printable(entry.why)}`);
  }
  if (result.missing_campaigns.length) {
    lines.push(
      '',
      `Campaigns whose state folder is gone (suppressed, but not recorded in their journal): ${result.missing_campaigns.join(', ')}`,
    );
  }
  return lines.join('\n') + '\n';
}
