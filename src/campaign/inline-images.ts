import { createHash } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { Parser } from 'htmlparser2';
import { detectMimeType } from 'nodemailer/lib/mime-funcs';
import { InputError } from '../errors.js';
import { describeFsError } from './definition.js';

/** A local image the HTML refers to, now by `cid:`. */
export interface ImageReference {
  /** As written in the template. */
  src: string;
  /** Absolute path, inside the campaign folder. */
  file: string;
  cid: string;
  /** Line of the template where it is referred to first. */
  line: number;
}

/** A local image as read once per campaign, to go in every message as a related part. */
export interface InlineImage {
  file: string;
  cid: string;
  filename: string;
  contentType: string;
  content: Buffer;
  /** The whole MIME part (headers, base64 body), built once: each message takes it as it is. */
  part: string;
}

export interface ImageSource {
  /** The template's name, for messages. */
  origin: string;
  /** The campaign folder: images are read from inside it only. */
  dir: string;
  /** The domain of the Content-IDs (the sender's). */
  domain: string;
  /** The line of the user's template that refers to `src`, found at `index` of the HTML. */
  lineOf: (src: string, index: number) => number;
}

/**
 * Points every local image of the HTML — `<img src>` and `url()` in a `style` attribute — at a `cid:`
 * and lists them, so that each goes in the message once, as a related part. Remote (`https:`), `data:`,
 * `cid:` and templated (`{{ … }}`) addresses are left as written.
 */
export function referToInlineImages(html: string, source: ImageSource): { html: string; references: ImageReference[] } {
  const byFile = new Map<string, ImageReference>();
  const edits: { start: number; end: number; text: string }[] = [];
  const refer = (src: string, index: number): string | undefined => {
    if (!isLocal(src)) return undefined;
    const file = fileOf(src, source);
    const reference = byFile.get(file) ?? { src, file, cid: contentId(file, source.domain), line: source.lineOf(src, index) };
    byFile.set(file, reference);
    return `cid:${reference.cid}`;
  };
  const parser = new Parser({
    onopentag(name, attributes) {
      const start = parser.startIndex;
      const tag = html.slice(start, parser.endIndex + 1);
      let text = tag;
      if (name === 'img' && attributes.src) text = rewriteAttribute(text, 'src', (value) => refer(value, start) ?? value);
      if (attributes.style)
        text = rewriteAttribute(text, 'style', (style) =>
          style.replace(cssUrl, (whole, quote: string, url: string) => {
            const cid = refer(url, start);
            return cid ? `url(${quote}${cid}${quote})` : whole;
          }),
        );
      if (text !== tag) edits.push({ start, end: parser.endIndex + 1, text });
    },
  });
  parser.end(html);
  let rewritten = html;
  for (const edit of edits.reverse()) rewritten = rewritten.slice(0, edit.start) + edit.text + rewritten.slice(edit.end);
  return { html: rewritten, references: [...byFile.values()] };
}

/** Reads each referenced image once; a missing one, or one that leads outside the folder, is an InputError naming the template and line. */
export async function readInlineImages(references: ImageReference[], origin: string, dir: string): Promise<InlineImage[]> {
  const realDir = await realpath(dir);
  return Promise.all(
    references.map(async (reference) => {
      const where = `${origin}:${reference.line}: image "${reference.src}"`;
      let real: string;
      let content: Buffer;
      try {
        real = await realpath(reference.file);
        content = await readFile(real);
      } catch (error) {
        throw new InputError(
          `${where}: cannot read ${reference.file}: ${describeFsError(error)}; put the image in the campaign folder or fix the path`,
        );
      }
      if (!isInside(realDir, real)) throw outsideFolder(where, real, dir);
      const image = {
        file: reference.file,
        cid: reference.cid,
        filename: path.basename(reference.file),
        contentType: detectMimeType(real),
        content,
      };
      return { ...image, part: await relatedPart(image) };
    }),
  );
}

/** The image as a part of multipart/related, inline, by its Content-ID. */
async function relatedPart(image: Omit<InlineImage, 'part'>): Promise<string> {
  // loaded here: only a campaign with inline images needs nodemailer's MIME tree (and the network modules it loads)
  const { default: MimeNode } = await import('nodemailer/lib/mime-node');
  const part = new MimeNode('multipart/related').createChild(image.contentType, { filename: image.filename });
  part.setHeader('Content-ID', `<${image.cid}>`);
  part.setHeader('Content-Disposition', 'inline');
  part.setHeader('Content-Transfer-Encoding', 'base64');
  part.setContent(image.content);
  return (await part.build()).toString('latin1');
}

/** url(…) in a style attribute as written in HTML, where a quote may be an entity (url(&quot;a.png&quot;)). */
const cssUrl = /url\(\s*(&quot;|&#0*34;|&#0*39;|&apos;|['"]?)(.*?)\1\s*\)/gi;

function isLocal(src: string): boolean {
  const value = src.trim();
  return (
    value !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(value) && !value.startsWith('//') && !value.startsWith('#') && !/\{\{|\{%/.test(value)
  );
}

function fileOf(src: string, source: ImageSource): string {
  const bare = decodeEntities(src.trim()).replace(/[?#].*$/, '');
  let decoded = bare;
  try {
    decoded = decodeURIComponent(bare);
  } catch {
    // a lone "%" is part of the name
  }
  const file = path.resolve(source.dir, decoded);
  if (!isInside(source.dir, file)) throw outsideFolder(`${source.origin}:${source.lineOf(src, 0)}: image "${src}"`, file, source.dir);
  return file;
}

/** The entities an address in an attribute may use for characters of a file name. */
function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>' };
  return text.replace(/&(?:#(\d+)|#x([0-9a-f]+)|(amp|quot|apos|lt|gt));/gi, (whole, decimal?: string, hex?: string, name?: string) =>
    decimal ? String.fromCodePoint(Number(decimal)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : (named[name!.toLowerCase()] ?? whole),
  );
}

function outsideFolder(where: string, file: string, dir: string): InputError {
  return new InputError(`${where} leads outside the campaign folder (to ${file}); move it into ${dir} and refer to it from there`);
}

function isInside(dir: string, file: string): boolean {
  const inside = path.relative(dir, file);
  return inside !== '' && inside !== '..' && !inside.startsWith(`..${path.sep}`) && !path.isAbsolute(inside);
}

function contentId(file: string, domain: string): string {
  return `${createHash('sha256').update(file).digest('hex').slice(0, 16)}@${domain}`;
}

/** Replaces the value of one attribute in the text of an opening tag. */
function rewriteAttribute(tag: string, name: string, change: (value: string) => string): string {
  const attribute = new RegExp(`(\\s${name}\\s*=\\s*)(?:"([^"]*)"|'([^']*)'|([^\\s"'>]+))`, 'i');
  return tag.replace(attribute, (_whole, prefix: string, double?: string, single?: string, bare?: string) => {
    if (double !== undefined) return `${prefix}"${change(double)}"`;
    if (single !== undefined) return `${prefix}'${change(single)}'`;
    return `${prefix}${change(bare!)}`;
  });
}
