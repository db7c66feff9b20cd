import { createHash } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { OutgoingMessage } from '../transports/transport.js';
import { describeFsError, type CampaignDefinition } from './definition.js';
import { domainOf, parseMailbox, type Mailbox } from './address.js';
import type { Recipient } from './recipients.js';
import type { RenderedParts } from './render.js';

/**
 * The same campaign and recipient always get the same Message-ID, so a message resent after a crash
 * carries the ID of the first attempt (and a provider can be asked whether it already has it).
 */
export function messageIdFor(campaignId: string, recipientKey: string, fromAddress: string): string {
  const digest = createHash('sha256').update(`${campaignId}\0${recipientKey}`).digest('hex').slice(0, 32);
  return `<${digest}@${domainOf(fromAddress)}>`;
}

// nodemailer's composer loads at the first message: `validate` without a size limit never needs it.
let composerModule: Promise<typeof import('nodemailer/lib/mail-composer')> | undefined;
const mailComposer = async () => (await (composerModule ??= import('nodemailer/lib/mail-composer'))).default;

/** Builds MIME messages with nodemailer's composer; attachment files are read once and kept. */
export class MessageComposer {
  private readonly from: Mailbox;
  private readonly replyTo?: Mailbox;
  private readonly files = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly campaign: CampaignDefinition,
    private readonly campaignId: string,
  ) {
    this.from = parseMailbox(campaign.from)!;
    this.replyTo = campaign.reply_to ? parseMailbox(campaign.reply_to)! : undefined;
  }

  /** Reads an attachment (once per path); a missing file, or one outside the campaign folder, is an InputError naming it. */
  attachment(relative: string): Promise<Buffer> {
    const file = path.resolve(this.campaign.dir, relative);
    let content = this.files.get(file);
    if (!content) {
      content = attachmentPath(this.campaign, relative).then((real) => readFile(real)).catch((error: unknown) => {
        if (error instanceof InputError) throw error;
        throw new InputError(`cannot read attachment ${file} (field "attachments" of ${path.basename(this.campaign.file)}): ${describeFsError(error)}`);
      });
      this.files.set(file, content);
    }
    return content;
  }

  async compose(recipient: Recipient, parts: RenderedParts): Promise<OutgoingMessage> {
    const messageId = messageIdFor(this.campaignId, recipient.key, this.from.address);
    const attachments = await Promise.all(
      parts.attachments.map(async (file) => ({ filename: path.basename(file), content: await this.attachment(file) })),
    );
    const MailComposer = await mailComposer();
    const composer = new MailComposer({
      from: this.from,
      to: { name: this.campaign.to_name ? parts.toName : (recipient.name ?? ''), address: recipient.address },
      replyTo: this.replyTo,
      subject: parts.subject,
      text: parts.text,
      html: parts.html,
      messageId,
      headers: { ...parts.headers, ...listUnsubscribeHeaders(parts.listUnsubscribe) },
      attachments,
    });
    const mail = composer.compile();
    // nodemailer's envelope has the domains in ASCII (ann@xn--bcher-kva.example), as in the headers it writes
    const envelope = mail.getEnvelope();
    return { from: envelope.from || this.from.address, to: envelope.to[0], messageId, raw: await mail.build() };
  }
}

/**
 * The real path of an attachment. One that leads outside the campaign folder (`..`, an absolute path, a
 * symbolic link) is refused unless the campaign sets allow_attachments_outside: a CSV value or a campaign
 * from someone else must not attach ~/.ssh/id_rsa. File system errors (a missing file) are thrown as they are.
 */
export async function attachmentPath(campaign: CampaignDefinition, relative: string, forRow = ''): Promise<string> {
  const real = await realpath(path.resolve(campaign.dir, relative));
  if (campaign.allow_attachments_outside) return real;
  const inside = path.relative(await realpath(campaign.dir), real);
  if (inside !== '..' && !inside.startsWith(`..${path.sep}`) && !path.isAbsolute(inside)) return real;
  throw new InputError(
    `${path.basename(campaign.file)}: field "attachments": ${relative}${forRow} leads outside the campaign folder (to ${real}); ` +
      `move the file into ${campaign.dir}, or set "allow_attachments_outside: true" in the campaign file`,
  );
}

/** RFC 2369 List-Unsubscribe, plus RFC 8058 one-click when there is an https URL. */
function listUnsubscribeHeaders({ url, mailto }: RenderedParts['listUnsubscribe']): Record<string, string> {
  const targets: string[] = [];
  let oneClick = false;
  if (url) {
    const parsed = parseUrl(url, 'list_unsubscribe.url');
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new InputError(`field "list_unsubscribe.url" rendered to "${url}", which is not an http(s) URL`);
    }
    oneClick = parsed.protocol === 'https:';
    targets.push(`<${parsed.href}>`);
  }
  if (mailto) targets.push(`<${parseUrl(mailto.startsWith('mailto:') ? mailto : `mailto:${mailto}`, 'list_unsubscribe.mailto').href}>`);
  if (!targets.length) return {};
  const headers: Record<string, string> = { 'List-Unsubscribe': targets.join(', ') };
  if (oneClick) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  return headers;
}

function parseUrl(value: string, field: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new InputError(`field "${field}" rendered to "${value}", which is not a valid URL`);
  }
}
