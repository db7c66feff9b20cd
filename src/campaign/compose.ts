import { hash } from 'node:crypto';
import path from 'node:path';
import { attachmentType } from './attachment-type.js';
import { asciiAddress, extraRecipients } from './copies.js';
import { InputError } from '../errors.js';
import { readRegularFile } from '../system/safe-file.js';
import { attachmentLimits, confinedPath } from './campaign-files.js';
import type { OutgoingMessage } from '../transports/transport.js';
import { describeFsError, type CampaignDefinition } from './definition.js';
import { domainOf, parseMailbox, type Mailbox } from './address.js';
import type { Recipient } from './recipients.js';
import type { RenderedParts } from './render.js';
import type MimeNode from 'nodemailer/lib/mime-node';
import type Mail from 'nodemailer/lib/mailer';
import type { MimeSerialiser } from './mime-serialise.js';

/**
 * The same campaign and recipient always get the same Message-ID, so a message resent after a crash
 * carries the ID of the first attempt (and a provider can be asked whether it already has it).
 */
export function messageIdFor(campaignId: string, recipientKey: string, fromAddress: string): string {
  const digest = hash('sha256', `${campaignId}\0${recipientKey}`, 'hex').slice(0, 32);
  return `<${digest}@${domainOf(fromAddress)}>`;
}

/**
 * The shared part of a message's multipart boundaries, derived from the campaign and recipient like the
 * Message-ID, so that the same message is composed to the same bytes (nodemailer's default is random).
 */
export function baseBoundaryFor(campaignId: string, recipientKey: string): string {
  return hash('sha256', `boundary\0${campaignId}\0${recipientKey}`, 'hex').slice(0, 16);
}

// nodemailer's composer loads at the first message: `validate` without a size limit never needs it.
let composerModule: Promise<typeof import('nodemailer/lib/mail-composer')> | undefined;
const mailComposer = async () => (await (composerModule ??= import('nodemailer/lib/mail-composer'))).default;
let serialiserModule: Promise<typeof import('./mime-serialise.js')> | undefined;
const mimeSerialiser = async () => new (await (serialiserModule ??= import('./mime-serialise.js'))).MimeSerialiser();
let alternativeModule: Promise<typeof import('./alternative-tree.js')> | undefined;
const alternativeTree = async () => (await (alternativeModule ??= import('./alternative-tree.js'))).alternativeTree;

/** Builds the tree MailComposer would build from these options, or undefined for a shape it does not know. */
type TreeBuilder = (mail: Mail.Options) => MimeNode | undefined;

/** A message's MIME tree as nodemailer builds it, and what the envelope and journal need besides. */
export interface CompiledMessage {
  tree: MimeNode;
  messageId: string;
  cc: string[];
  bcc: string[];
}

/** An attachment as read once: its bytes and the content type they call for. */
interface AttachmentFile {
  content: Buffer;
  contentType: string;
}

/** Builds MIME messages with nodemailer's composer; attachment files are read once and kept. */
export class MessageComposer {
  private readonly from: Mailbox;
  private readonly replyTo?: Mailbox;
  private readonly files = new Map<string, Promise<AttachmentFile>>();
  private serialiser?: MimeSerialiser;

  /** `idFrom`: the From address when the campaign started; Message-IDs keep its domain whatever From says now. */
  constructor(
    private readonly campaign: CampaignDefinition,
    private readonly campaignId: string,
    private readonly idFrom?: string,
  ) {
    this.from = parseMailbox(campaign.from)!;
    this.replyTo = campaign.reply_to ? parseMailbox(campaign.reply_to)! : undefined;
  }

  /** Reads an attachment (once per path); a missing file, or one outside the campaign folder, is an InputError naming it. */
  attachment(relative: string): Promise<AttachmentFile> {
    const file = path.resolve(this.campaign.dir, relative);
    let content = this.files.get(file);
    if (!content) {
      content = attachmentPath(this.campaign, relative)
        .then(async (real) => {
          const bytes = await readRegularFile(real, attachmentLimits);
          return { content: bytes, contentType: attachmentType(real, bytes) };
        })
        .catch((error: unknown) => {
          if (error instanceof InputError) throw error;
          throw new InputError(
            `cannot read attachment ${file} (field "attachments" of ${path.basename(this.campaign.file)}): ${describeFsError(error)}`,
          );
        });
      this.files.set(file, content);
    }
    return content;
  }

  /**
   * The message for a recipient: nodemailer's MIME tree written out synchronously (see MimeSerialiser).
   * A text + HTML message's tree is built without MailComposer's general path (alternative-tree.ts).
   */
  async compose(recipient: Recipient, parts: RenderedParts): Promise<OutgoingMessage> {
    const { tree, messageId, cc, bcc } = await this.compile(recipient, parts, await alternativeTree());
    this.serialiser ??= await mimeSerialiser();
    const raw = this.serialiser.serialise(tree);
    // nodemailer's envelope has the domains in ASCII (ann@xn--bcher-kva.example), as in the headers it writes
    const envelope = tree.getEnvelope();
    return { from: envelope.from || this.from.address, to: envelope.to[0], cc, bcc, messageId, raw };
  }

  /** nodemailer's MIME tree of a recipient's message (built, not yet written out); by MailComposer unless `build` builds it. */
  async compile(recipient: Recipient, parts: RenderedParts, build?: TreeBuilder): Promise<CompiledMessage> {
    const messageId = messageIdFor(this.campaignId, recipient.key, this.idFrom ?? this.from.address);
    // Inline images go as the parts built once per campaign: no base64 per message.
    const inline = parts.inlineImages.map(({ filename, cid, contentType, part }) => ({ filename, cid, contentType, raw: part }));
    const attachments = await Promise.all(
      parts.attachments.map(async (file) => ({ filename: path.basename(file), ...(await this.attachment(file)) })),
    );
    const copies = extraRecipients(recipient.address, parts.cc, parts.bcc);
    const mail: Mail.Options = {
      from: this.from,
      to: { name: this.campaign.to_name ? parts.toName : (recipient.name ?? ''), address: recipient.address },
      cc: copies.cc,
      replyTo: this.replyTo,
      subject: parts.subject,
      text: crlf(parts.text),
      html: parts.html && crlf(parts.html),
      messageId,
      baseBoundary: baseBoundaryFor(this.campaignId, recipient.key),
      headers: { ...parts.headers, ...listUnsubscribeHeaders(parts.listUnsubscribe) },
      attachments: [...inline, ...attachments],
    };
    const tree = build?.(mail) ?? new (await mailComposer())(mail).compile();
    const cc = copies.cc.map((mailbox) => asciiAddress(mailbox.address));
    const bcc = copies.bcc.map((mailbox) => asciiAddress(mailbox.address));
    return { tree, messageId, cc, bcc };
  }
}

/** What the journal keeps of a message's copies (nothing when it has none). */
export function copiesOf(message: OutgoingMessage): { cc?: string[]; bcc?: string[] } {
  return { ...(message.cc.length ? { cc: message.cc } : {}), ...(message.bcc.length ? { bcc: message.bcc } : {}) };
}

/**
 * RFC 5322 lines end in CRLF, whatever the templates' and the CSV's line endings. nodemailer writes its
 * headers and encoded parts so; the text and HTML go as they are given, hence this.
 */
function crlf(text: string): string {
  // replaceAll of a string is faster than the regular expression; the same result without a CR
  return text.includes('\r') ? text.replace(/\r\n|\r|\n/g, '\r\n') : text.replaceAll('\n', '\r\n');
}

/** The real path of an attachment, confined like every file the campaign names (see confinedPath). */
export function attachmentPath(campaign: CampaignDefinition, relative: string, forRow = ''): Promise<string> {
  refuseUnusablePath(campaign, relative, forRow);
  return confinedPath(campaign, relative, 'attachments', forRow);
}

/**
 * A path no file can have: empty (a templated path whose CSV value is empty), or starting with `~`, which
 * only a shell expands (here it would name a folder called "~" in the campaign folder).
 */
export function refuseUnusablePath(campaign: CampaignDefinition, relative: string, forRow = ''): void {
  const field = `${path.basename(campaign.file)}: field "attachments"`;
  if (!relative.trim()) {
    throw new InputError(`${field}: the path is empty${forRow || ''}; check the CSV value it is made of, or remove the attachment`);
  }
  if (/^~/.test(relative)) {
    throw new InputError(`${field}: ${relative}${forRow}: "~" is not expanded; write the path relative to the campaign or absolute`);
  }
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
