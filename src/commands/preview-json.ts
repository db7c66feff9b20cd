import type { RenderedParts } from '../campaign/render.js';

/** `preview --json`: what `preview` prints, as fields. */
export function previewJson(
  parts: RenderedParts,
  message: { to: string; cc: string[]; bcc: string[]; raw: string | Buffer },
  raw?: boolean,
): object {
  if (raw) return { to: message.to, raw: message.raw.toString() };
  return {
    to: message.to,
    to_name: parts.toName || undefined,
    cc: message.cc.length ? message.cc : undefined,
    bcc: message.bcc.length ? message.bcc : undefined,
    subject: parts.subject,
    headers: parts.headers,
    list_unsubscribe: parts.listUnsubscribe.url || parts.listUnsubscribe.mailto ? parts.listUnsubscribe : undefined,
    attachments: parts.attachments,
    inline_images: parts.inlineImages.length
      ? parts.inlineImages.map((image) => ({ filename: image.filename, cid: image.cid }))
      : undefined,
    text: parts.text,
    html: parts.html || undefined,
  };
}
