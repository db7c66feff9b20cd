import { scanRecipients, type PreparedCampaign, type SizeLimit } from './prepare.js';
import { rejectReasonText, type Recipient } from './recipients.js';

/** Rows shown one by one; the rest are counted. */
const shownRows = 20;

export interface ValidateOptions {
  /** The sending account's message size limit, when it has one. */
  sizeLimit?: SizeLimit;
  /** Called for every valid recipient (the schedule warns once per unknown time zone). */
  onRecipient?: (recipient: Recipient) => void;
}

/**
 * `campaign validate`: reads every row as a first send would and says how many recipients it has and which
 * rows would be skipped (the first few by line, the rest counted).
 */
export async function validateCampaign(file: string, campaign: PreparedCampaign, options: ValidateOptions): Promise<string> {
  const rejectedLines: string[] = [];
  const scan = await scanRecipients(campaign, {
    onRejected: (row) => {
      if (rejectedLines.length < shownRows) rejectedLines.push(`  line ${row.line}: ${rejectReasonText[row.reason]} ${JSON.stringify(row.value)}`); // escaped: a CSV cell may hold line breaks or terminal escapes
    },
    onRecipient: options.onRecipient,
    sizeLimit: options.sizeLimit,
  });
  const reasons = (Object.entries(scan.rejected) as [keyof typeof rejectReasonText, number][]).filter(([, count]) => count > 0);
  const rejected = reasons.reduce((total, [, count]) => total + count, 0);
  const out = [`${file}: OK — ${scan.recipients} recipient(s) to send`];
  if (rejected) {
    out.push(`${rejected} row(s) will be skipped (${reasons.map(([reason, count]) => `${count} ${rejectReasonText[reason]}`).join(', ')}):`, ...rejectedLines);
    if (rejected > rejectedLines.length) out.push(`  … and ${rejected - rejectedLines.length} more`);
  }
  return out.join('\n') + '\n';
}
