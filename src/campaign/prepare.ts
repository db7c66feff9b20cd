import path from 'node:path';
import { InputError } from '../errors.js';
import { openRegularFile } from '../system/safe-file.js';
import type { SizeLimit } from '../transports/transport.js';
import { describeFsError, type CampaignDefinition } from './definition.js';
import { isRecipient, rejectReasonText, type CsvReading, type Recipient, type RejectedRow, type RejectReason } from './recipients.js';
import { loadCampaignList, recipientsOf, type CampaignList } from './campaign-list.js';
import { attachmentPath, MessageComposer, refuseUnusablePath } from './compose.js';
import { PreparedTemplates, type RenderedParts } from './render.js';

export { recipientsOf };

/** A campaign checked and compiled once: definition, CSV layout, templates whose variables all exist. */
export interface PreparedCampaign extends CampaignList {
  templates: PreparedTemplates;
}

export async function prepareCampaign(file: string): Promise<PreparedCampaign> {
  const { definition, layout } = await loadCampaignList(file);
  const templates = new PreparedTemplates(definition);
  templates.checkVariables(layout.columns, path.basename(definition.recipientsFile));
  await templates.readImages();
  const zoneColumn = definition.timezone_column;
  if (zoneColumn && !layout.columns.includes(zoneColumn)) {
    throw new InputError(
      `${path.basename(definition.file)}: field "timezone_column": ${definition.recipients} has no column "${zoneColumn}" (columns: ${layout.columns.join(', ')})`,
    );
  }
  for (const attachment of definition.attachments) {
    if (!/\{\{|\{%/.test(attachment)) await checkAttachment(attachment, definition);
  }
  return { definition, layout, templates };
}

export interface ScanResult {
  recipients: number;
  rejected: Record<RejectReason, number>;
  /** Rows with every field empty, passed over. */
  blank: number;
}

/**
 * The check before a first send (and `validate`): reads every row once, renders the first recipient's
 * message, and checks per-recipient attachment paths. Rejected rows are passed to `onRejected`.
 */
export interface ScanOptions {
  onRejected?: (row: RejectedRow) => void;
  /** Called for each valid recipient (e.g. to check its time zone). */
  onRecipient?: (recipient: Recipient) => void;
  sizeLimit?: SizeLimit;
  /** Who hears of the file's opening and of each row's place (a first send keeping this pass). */
  reading?: Pick<CsvReading, 'onOpen' | 'onRow'>;
}

export async function scanRecipients(
  campaign: PreparedCampaign,
  { onRejected, onRecipient, sizeLimit, reading }: ScanOptions = {},
): Promise<ScanResult> {
  const rejected = Object.fromEntries(Object.keys(rejectReasonText).map((reason) => [reason, 0])) as Record<RejectReason, number>;
  const result: ScanResult = { recipients: 0, rejected, blank: 0 };
  const checkedFiles = new Set<string>();
  const composer = sizeLimit && new MessageComposer(campaign.definition, 'validate');
  for await (const row of recipientsOf(campaign, undefined, { ...reading, onBlank: () => result.blank++ })) {
    if (!isRecipient(row)) {
      result.rejected[row.reason]++;
      onRejected?.(row);
      continue;
    }
    result.recipients++;
    onRecipient?.(row);
    if (result.recipients === 1 || campaign.templates.hasTemplatedAttachments || campaign.templates.hasTemplatedCopies) {
      const parts = renderFor(campaign, row);
      for (const attachment of parts.attachments) {
        const file = path.resolve(campaign.definition.dir, attachment);
        if (checkedFiles.has(file)) continue;
        await checkAttachment(attachment, campaign.definition, row);
        checkedFiles.add(file);
      }
      if (composer) checkSize((await composer.compose(row, parts)).raw.length, sizeLimit!, campaign.definition, row);
    }
  }
  if (result.recipients === 0) {
    throw new InputError(
      `${campaign.definition.recipientsFile}: no valid recipient in the "${campaign.definition.email_column}" column; nothing to send`,
    );
  }
  return result;
}

/** A row's message parts; a value that cannot be used (e.g. a cc cell that is not an address) names the row. */
function renderFor(campaign: PreparedCampaign, row: Recipient): RenderedParts {
  try {
    return campaign.templates.render(row.fields);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(`${error.message} (the recipient on line ${row.line} of ${path.basename(campaign.definition.recipientsFile)})`);
  }
}

/** Refuses, before sending, a message larger than the account takes. */
export function checkSize(bytes: number, limit: SizeLimit, definition: CampaignDefinition, row: Recipient): void {
  if (bytes <= limit.bytes) return;
  const megabytes = (value: number) => `${(value / 1024 / 1024).toFixed(1)} MB`;
  throw new InputError(
    `the message for the recipient on line ${row.line} of ${path.basename(definition.recipientsFile)} is ${megabytes(bytes)}; ` +
      `${limit.label} takes at most ${megabytes(limit.bytes)}: make the attachments smaller or link to them instead`,
  );
}

/** An attachment path (relative to the campaign folder) names a readable regular file inside that folder. */
async function checkAttachment(relative: string, definition: CampaignDefinition, row?: Recipient): Promise<void> {
  const forRow = row ? ` for the recipient on line ${row.line} of ${path.basename(definition.recipientsFile)}` : '';
  refuseUnusablePath(definition, relative, forRow);
  const file = path.resolve(definition.dir, relative);
  try {
    await (await openRegularFile(await attachmentPath(definition, relative, forRow))).close();
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      `${file}: cannot read this attachment${forRow} (field "attachments" of ${path.basename(definition.file)}): ${describeFsError(error)}`,
    );
  }
}
