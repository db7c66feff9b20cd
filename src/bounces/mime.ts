import type { ParsedMail } from 'mailparser';

/** The parts of a message that tell a bounce, a complaint, an auto-reply or an unsubscribe apart. */
export interface MailParts {
  /** Header names in lower case, each with its first value as text. */
  headers: Map<string, string>;
  from?: string;
  /** To, Cc and Delivered-To addresses, lower case. */
  to: string[];
  subject: string;
  messageId?: string;
  /** multipart/report's report-type (delivery-status, feedback-report), lower case. */
  reportType?: string;
  deliveryStatus?: string;
  feedbackReport?: string;
  /** The human-readable text. */
  text: string;
  /**
   * Message-IDs this message refers to: In-Reply-To and References, and every Message-ID header inside
   * it (a returned message or its headers — mailparser folds an inline message/rfc822 into the body and
   * drops its headers, so the raw text is searched as well).
   */
  referencedIds: string[];
  /** Every address that appears anywhere in it, lower case: candidates for "who was this about". */
  addresses: string[];
}

const messageIdHeader = /^(?:X-)?(?:Original-)?Message-ID:[ \t]*(?:\r?\n[ \t]+)?(<[^<>\s]+>)/gim;
/** Candidates are checked against every campaign (a hash each): a message full of addresses is not worth thousands. */
const maxAddresses = 500;
const addressPattern =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/g;

/** Parses with mailparser (loaded on first use: only `bounces check` needs it). */
export async function mailParts(raw: Buffer): Promise<MailParts> {
  const { simpleParser } = await import('mailparser');
  const mail = await simpleParser(raw, {
    keepDeliveryStatus: true,
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
  });
  const headers = new Map<string, string>();
  for (const line of mail.headerLines) headers.set(line.key, headers.get(line.key) ?? line.line.slice(line.line.indexOf(':') + 1).trim());
  const partText = (type: string) => mail.attachments.find((part) => part.contentType === type)?.content.toString('utf8');
  const insideTexts = [
    raw.toString('latin1'),
    ...mail.attachments.filter((part) => part.size < 1 << 20).map((part) => part.content.toString('utf8')),
  ];
  const own = mail.messageId?.toLowerCase();
  const referenced = [
    ...idsOf(mail.inReplyTo),
    ...idsOf(mail.references),
    ...insideTexts.flatMap((text) => [...text.matchAll(messageIdHeader)].map((match) => match[1])),
  ];
  const contentType = mail.headers.get('content-type') as { value: string; params: Record<string, string> } | undefined;
  return {
    headers,
    from: addressesOf(mail.from)[0],
    to: [
      ...addressesOf(mail.to),
      ...addressesOf(mail.cc),
      ...(headers.get('delivered-to') ? [headers.get('delivered-to')!.toLowerCase()] : []),
    ],
    subject: mail.subject ?? '',
    messageId: mail.messageId,
    reportType: contentType?.value === 'multipart/report' ? contentType.params['report-type']?.toLowerCase() : undefined,
    deliveryStatus: partText('message/delivery-status') ?? partText('message/global-delivery-status'),
    feedbackReport: partText('message/feedback-report'),
    text: mail.text ?? '',
    referencedIds: unique(referenced.map((id) => id.trim()).filter((id) => id.toLowerCase() !== own)),
    addresses: unique(insideTexts.flatMap((text) => text.match(addressPattern) ?? []).map((address) => address.toLowerCase())).slice(
      0,
      maxAddresses,
    ),
  };
}

function idsOf(value: string | string[] | undefined): string[] {
  return (Array.isArray(value) ? value : (value ?? '').split(/\s+/)).filter((id) => /^<[^<>\s]+>$/.test(id));
}

function addressesOf(field: ParsedMail['to'] | ParsedMail['from']): string[] {
  const objects = Array.isArray(field) ? field : field ? [field] : [];
  return objects
    .flatMap((object) => object.value.flatMap((entry) => (entry.group ?? [entry]).map((mailbox) => mailbox.address?.toLowerCase() ?? '')))
    .filter(Boolean);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
