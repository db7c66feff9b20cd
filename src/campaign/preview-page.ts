import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RenderedParts } from './render.js';

/**
 * One recipient's message as a page a browser shows as a mail client would: the HTML part with its
 * inline images as data: URIs (a browser cannot resolve cid:), or the text part when there is no HTML.
 * Written to a new owner-only folder in the temporary directory (the page holds the recipient's data).
 */
export async function writePreviewPage(parts: RenderedParts): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailshot-preview-'));
  const file = path.join(dir, 'preview.html');
  await writeFile(file, previewHtml(parts), { mode: 0o600 });
  return file;
}

export function previewHtml(parts: RenderedParts): string {
  if (parts.html === undefined) {
    return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escape(parts.subject)}</title></head><body><pre>${escape(parts.text)}</pre></body></html>\n`;
  }
  let html = parts.html;
  for (const image of parts.inlineImages) {
    html = html.replaceAll(`cid:${image.cid}`, `data:${image.contentType};base64,${image.content.toString('base64')}`);
  }
  return html;
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (character) => `&#${character.charCodeAt(0)};`);
}
