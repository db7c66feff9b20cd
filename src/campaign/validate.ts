import { scanRecipients, type PreparedCampaign } from './prepare.js';
import type { SizeLimit } from '../transports/transport.js';
import { rejectReasonText, type Recipient, type RejectReason } from './recipients.js';

/** Rows shown one by one; the rest are counted. */
const shownRows = 20;

export interface ValidateOptions {
  /** The sending account's message size limit, when it has one. */
  sizeLimit?: SizeLimit;
  /** Called for every valid recipient (the schedule warns once per unknown time zone). */
  onRecipient?: (recipient: Recipient) => void;
  /** A campaign already started: whether the journal has this recipient done (sent, failed or skipped). */
  isDone?: (key: string) => boolean;
}

/** What `campaign validate` found: the recipients, and the rows a first send would skip (the first few by line). */
export interface Validation {
  recipients: number;
  /** The CSV column the addresses are read from. */
  emailColumn: string;
  /** Rows with every field empty: passed over, not listed. */
  blank: number;
  skipped: number;
  skippedByReason: Partial<Record<RejectReason, number>>;
  skippedRows: { line: number; reason: RejectReason; value: string }[];
  /** A campaign already started: recipients of the list it has done (the rest are to send). */
  alreadyDone?: number;
}

/** `campaign validate`: reads every row as a first send would. */
export async function validateCampaign(campaign: PreparedCampaign, options: ValidateOptions): Promise<Validation> {
  const skippedRows: Validation['skippedRows'] = [];
  const { isDone } = options;
  let alreadyDone = 0;
  const scan = await scanRecipients(campaign, {
    onRejected: (row) => {
      if (skippedRows.length < shownRows) skippedRows.push({ line: row.line, reason: row.reason, value: row.value });
    },
    onRecipient: (recipient) => {
      options.onRecipient?.(recipient);
      if (isDone?.(recipient.key)) alreadyDone++;
    },
    sizeLimit: options.sizeLimit,
  });
  const reasons = (Object.entries(scan.rejected) as [RejectReason, number][]).filter(([, count]) => count > 0);
  const skipped = reasons.reduce((total, [, count]) => total + count, 0);
  const done = isDone ? { alreadyDone } : {};
  return {
    recipients: scan.recipients,
    emailColumn: campaign.definition.email_column,
    blank: scan.blank,
    skipped,
    skippedByReason: Object.fromEntries(reasons),
    skippedRows,
    ...done,
  };
}

/** How many recipients the campaign has and which rows would be skipped, for a person. */
export function validationText(file: string, validation: Validation): string {
  const { skipped, skippedRows } = validation;
  const { recipients, alreadyDone } = validation;
  const started = alreadyDone === undefined ? '' : ` (${alreadyDone} already done)`;
  const blank = validation.blank ? `, ${validation.blank} blank row(s) passed over` : '';
  const column = `addresses from column "${validation.emailColumn}"${blank}`;
  const out = [`${file}: OK — ${recipients - (alreadyDone ?? 0)} recipient(s) to send${started} (${column})`];
  if (skipped) {
    const reasons = (Object.entries(validation.skippedByReason) as [RejectReason, number][]).map(
      ([reason, count]) => `${count} ${rejectReasonText[reason]}`,
    );
    // Escaped: a CSV cell may hold line breaks or terminal escapes.
    out.push(
      `${skipped} row(s) will be skipped (${reasons.join(', ')}):`,
      ...skippedRows.map((row) => `  line ${row.line}: ${rejectReasonText[row.reason]} ${JSON.stringify(row.value)}`),
    );
    if (skipped > skippedRows.length) out.push(`  … and ${skipped - skippedRows.length} more`);
  }
  return out.join('\n') + '\n';
}
