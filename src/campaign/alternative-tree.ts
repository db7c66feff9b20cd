import MimeNode from 'nodemailer/lib/mime-node';
import type Mail from 'nodemailer/lib/mailer';

/** The fields this builder honours; a message with any other goes through MailComposer. */
const handled = new Set(['from', 'to', 'cc', 'replyTo', 'subject', 'messageId', 'baseBoundary', 'headers', 'text', 'html', 'attachments']);

/** Header keys as MimeNode normalises them (three regular expressions per call), kept: a campaign uses a few dozen. */
const normalisedKeys = new Map<string, string>();
const keptKeys = 256;

/** A MimeNode that normalises each header key once: setHeader, getHeader and the encoders each normalise the key they are given. */
class CampaignNode extends MimeNode {
  _normalizeHeaderKey(key: unknown): string {
    const normalise = (MimeNode.prototype as unknown as { _normalizeHeaderKey(key: unknown): string })._normalizeHeaderKey;
    if (typeof key !== 'string') return normalise.call(this, key);
    let normalised = normalisedKeys.get(key);
    if (normalised === undefined) {
      normalised = normalise.call(this, key);
      if (normalisedKeys.size < keptKeys) normalisedKeys.set(key, normalised);
    }
    return normalised;
  }
}

/** The root's headers as MailComposer.compile sets them: in this order, each when its field is set. */
const rootFields = [
  ['from', 'from'],
  ['to', 'to'],
  ['cc', 'cc'],
  ['reply-to', 'replyTo'],
  ['subject', 'subject'],
  ['message-id', 'messageId'],
] as const;

/**
 * The tree MailComposer.compile builds for a message with a text and an HTML part and nothing else (no
 * attachment, no inline image): a multipart/alternative root with the two text nodes, made with the same
 * MimeNode calls in the same order. MailComposer's general path (alternatives, attachments, related
 * parts) is skipped, and so is the random base boundary it draws for every child node, which only the
 * root's is used of. Undefined for a message of any other shape.
 */
export function alternativeTree(mail: Mail.Options): MimeNode | undefined {
  const { text, html, attachments, baseBoundary } = mail;
  if (typeof text !== 'string' || !text || typeof html !== 'string' || !html || attachments?.length) return undefined;
  const fields = mail as Record<string, unknown>;
  if (Object.keys(fields).some((key) => !handled.has(key) && fields[key] !== undefined)) return undefined;
  const root = new CampaignNode('multipart/alternative', { baseBoundary });
  for (const [contentType, content] of [
    ['text/plain; charset=utf-8', text],
    ['text/html; charset=utf-8', html],
  ]) {
    root.appendChild(new CampaignNode(contentType, { baseBoundary }).setContent(content!));
  }
  if (mail.headers) root.addHeader(mail.headers as Record<string, string>);
  for (const [header, field] of rootFields) {
    if (fields[field]) root.setHeader(header, fields[field] as string);
  }
  root.messageId();
  return root;
}
