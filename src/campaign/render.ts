import path from 'node:path';
import type { Template } from 'liquidjs';
import { marked } from 'marked';
import { InputError } from '../errors.js';
import type { CampaignDefinition } from './definition.js';
import { engines, type Engine } from './liquid-engines.js';
import { plainRenderer, type PlainRender } from './plain-template.js';
import { domainOf, parseMailbox, type Mailbox } from './address.js';
import { parseCopies } from './copies.js';
import { readInlineImages, referToInlineImages, type ImageReference, type InlineImage } from './inline-images.js';
import { finishText, htmlToTextTemplate } from './text-part.js';
import { unknownVariableAdvice } from './variable-hint.js';
import { literalColumnAdvice, literalColumnUse } from './liquid-names.js';
import { blockAcrossMarkdownBlocks } from './markdown-blocks.js';

/** Everything that varies per recipient, rendered from templates compiled once per campaign. */
export interface RenderedParts {
  subject: string;
  toName: string;
  cc: Mailbox[];
  bcc: Mailbox[];
  html?: string;
  text: string;
  headers: Record<string, string>;
  listUnsubscribe: { url?: string; mailto?: string };
  attachments: string[];
  /** The same for every recipient: the local images the HTML refers to by cid:. */
  inlineImages: InlineImage[];
}

interface NamedTemplate {
  /** Where the template comes from, for error messages: 'subject', 'body.md', 'headers.X-Tag' … */
  origin: string;
  engine: Engine;
  parsed: Template[];
  /** Renders it without LiquidJS when it only prints columns. */
  plain?: PlainRender;
  /** The user's own file as parsed, when there is one (body.md, body.html, body.txt): its rows are that file's lines. */
  fileParsed?: Template[];
  /** False when the source holds no Liquid tag: the output is the same for every recipient. */
  dynamic: boolean;
  /** The text as the user wrote it (the Markdown of an HTML part made from it): where to look for names, and its lines. */
  written: string;
  /** Whether `written` is the user's file, whose lines are worth naming. */
  isFile: boolean;
}

/** Liquid tags are swapped for inert words while Markdown and html-to-text run, then put back. */
const liquidTag = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
const placeholder = (index: number) => `mailshotliquid${index}x`;
// html-to-text may upper-case text (e.g. table headers), hence the case-insensitive match.
const placeholderPattern = /mailshotliquid(\d+)x/gi;

export class PreparedTemplates {
  private readonly all: NamedTemplate[] = [];
  private readonly subject: NamedTemplate;
  private readonly toName?: NamedTemplate;
  private readonly html?: NamedTemplate;
  private readonly text: NamedTemplate;
  /** The text part is derived from the HTML (not the user's own `text:`): tidied after each render. */
  private readonly derivedText: boolean;
  private readonly headers: [string, NamedTemplate][];
  private readonly unsubscribeUrl?: NamedTemplate;
  private readonly unsubscribeMailto?: NamedTemplate;
  private readonly attachments: NamedTemplate[];
  private readonly cc: NamedTemplate[];
  private readonly bcc: NamedTemplate[];
  private readonly htmlOrigin: string;
  /** Local images of the HTML, by cid:; read by `readImages()`. */
  readonly imageReferences: ImageReference[] = [];
  private inlineImages: InlineImage[] = [];
  private inlineFiles = new Set<string>();
  private campaignDir: string;

  constructor(campaign: CampaignDefinition) {
    const name = (field: string) => `field "${field}" of ${path.basename(campaign.file)}`;
    this.subject = this.compile(name('subject'), 'text', campaign.subject);
    if (campaign.to_name) this.toName = this.compile(name('to_name'), 'text', campaign.to_name);
    this.cc = (campaign.cc ?? []).map((entry, index) => this.compile(name(campaign.cc!.length > 1 ? `cc[${index}]` : 'cc'), 'text', entry));
    this.bcc = (campaign.bcc ?? []).map((entry, index) =>
      this.compile(name(campaign.bcc!.length > 1 ? `bcc[${index}]` : 'bcc'), 'text', entry),
    );
    const { markdown, html, text } = campaign.sources;
    const htmlOrigin = path.basename(campaign.markdown ?? campaign.html ?? campaign.text!);
    // Syntax errors are found in the Markdown itself, so their line numbers are those of the user's file.
    const markdownParsed = markdown !== undefined ? parse(htmlOrigin, 'html', markdown) : undefined;
    this.htmlOrigin = htmlOrigin;
    this.campaignDir = campaign.dir;
    const htmlSource = markdown !== undefined ? markdownToHtml(markdown, campaign.markdown_breaks, htmlOrigin) : html;
    if (htmlSource !== undefined) {
      const lineOf =
        markdown !== undefined ? (src: string) => lineOfText(markdown, src) : (_src: string, index: number) => lineAt(html!, index);
      const domain = domainOf(parseMailbox(campaign.from)!.address);
      const inline = referToInlineImages(htmlSource, { origin: htmlOrigin, dir: campaign.dir, domain, lineOf });
      this.imageReferences = inline.references;
      this.html = this.compile(htmlOrigin, 'html', inline.html, markdownParsed ?? true, markdown);
    }
    this.derivedText = text === undefined;
    this.text =
      text !== undefined
        ? this.compile(path.basename(campaign.text!), 'text', text, true)
        : this.compile(`text derived from ${htmlOrigin}`, 'text', htmlSourceToText(htmlSource!));
    this.headers = Object.entries(campaign.headers).map(([header, value]) => [
      header,
      this.compile(name(`headers.${header}`), 'text', value),
    ]);
    const unsubscribe = campaign.list_unsubscribe;
    if (unsubscribe?.url) this.unsubscribeUrl = this.compile(name('list_unsubscribe.url'), 'text', unsubscribe.url);
    if (unsubscribe?.mailto) this.unsubscribeMailto = this.compile(name('list_unsubscribe.mailto'), 'text', unsubscribe.mailto);
    this.attachments = campaign.attachments.map((file, index) => this.compile(name(`attachments[${index}]`), 'text', file));
  }

  /** Reads the local images the HTML refers to (once per campaign); a missing one is an InputError naming the template and line. */
  async readImages(): Promise<void> {
    this.inlineImages = await readInlineImages(this.imageReferences, this.htmlOrigin, this.campaignDir);
    this.inlineFiles = new Set(this.inlineImages.map((image) => image.file));
  }

  /** True when an attachment path depends on the recipient. */
  get hasTemplatedAttachments(): boolean {
    return this.attachments.some((template) => template.dynamic);
  }

  /** True when a cc or bcc address depends on the recipient: each row's is checked before sending. */
  get hasTemplatedCopies(): boolean {
    return [...this.cc, ...this.bcc].some((template) => template.dynamic);
  }

  /** Fails, before anything is sent, when a template uses a variable that is not a CSV column. */
  checkVariables(columns: string[], csvFile: string): void {
    const known = new Set(['row', ...columns]);
    for (const template of this.all) {
      const literal = literalColumnUse(template.written, columns);
      if (literal) {
        const line = template.isFile ? `:${lineAt(template.written, literal.index)}:` : '';
        throw new InputError(`${template.origin}${line} ${literalColumnAdvice(literal.column, csvFile)}`);
      }
      for (const variable of engines[template.engine].globalVariablesSync(template.parsed)) {
        if (!known.has(variable)) {
          const row = template.fileParsed && engines[template.engine].analyzeSync(template.fileParsed).globals[variable]?.[0]?.location.row;
          throw new InputError(
            `${template.origin}${row ? `:${row}:` : ''} uses the variable "${variable}", but ${csvFile} has no such column ` +
              `(columns: ${columns.join(', ')}); ${unknownVariableAdvice(variable, columns)}`,
          );
        }
      }
    }
  }

  render(fields: Record<string, string>): RenderedParts {
    const run = (template: NamedTemplate) => this.run(template, fields);
    const oneLine = (template: NamedTemplate) =>
      run(template)
        .replace(/[\r\n\0]+/g, ' ')
        .trim();
    return {
      subject: oneLine(this.subject),
      toName: this.toName ? oneLine(this.toName) : '',
      cc: this.cc.length ? parseCopies('cc', this.cc.map(oneLine)) : [],
      bcc: this.bcc.length ? parseCopies('bcc', this.bcc.map(oneLine)) : [],
      html: this.html && run(this.html),
      text: this.derivedText ? finishText(run(this.text)) : run(this.text),
      headers: Object.fromEntries(this.headers.map(([header, template]) => [header, oneLine(template)])),
      listUnsubscribe: {
        url: this.unsubscribeUrl && oneLine(this.unsubscribeUrl),
        mailto: this.unsubscribeMailto && oneLine(this.unsubscribeMailto),
      },
      attachments: this.inlineFiles.size
        ? this.attachments.map(oneLine).filter((file) => !this.isInline(file))
        : this.attachments.map(oneLine),
      inlineImages: this.inlineImages,
    };
  }

  /** An image the HTML shows and the campaign also attaches goes once, inline. */
  private isInline(attachment: string): boolean {
    return this.inlineFiles.has(path.resolve(this.campaignDir, attachment));
  }

  /** `file`: true when `source` is the user's file itself, or that file's own parse when `source` was derived from it. */
  private compile(origin: string, engine: Engine, source: string, file?: true | Template[], written = source): NamedTemplate {
    const parsed = parse(origin, engine, source);
    const fileParsed = file === true ? parsed : file;
    const template = {
      origin,
      engine,
      parsed,
      plain: plainRenderer(engines[engine], parsed),
      fileParsed,
      dynamic: /\{\{|\{%/.test(source),
      written,
      isFile: fileParsed !== undefined,
    };
    this.all.push(template);
    return template;
  }

  private run(template: NamedTemplate, fields: Record<string, string>): string {
    const plain = template.plain?.(fields);
    if (plain !== undefined) return plain;
    try {
      // Every column is also in `row`, where names Liquid cannot take bare work: {{ row.empty }}, {{ row["E-mail Address"] }}.
      return engines[template.engine].renderSync(template.parsed, { row: fields, ...fields }) as string;
    } catch (error) {
      throw new InputError(`${template.origin}: ${(error as Error).message}`);
    }
  }
}

function parse(origin: string, engine: Engine, source: string): Template[] {
  try {
    return engines[engine].parse(source);
  } catch (error) {
    throw new InputError(`${origin}: template error: ${(error as Error).message}`);
  }
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < index; at = text.indexOf('\n', at + 1)) line++;
  return line;
}

/** The line where `src` first appears in a Markdown source (marked may have %-encoded it), else 1. */
function lineOfText(markdown: string, src: string): number {
  let decoded = src;
  try {
    decoded = decodeURI(src);
  } catch {
    // not %-encoded
  }
  const index = [src, decoded].map((form) => markdown.indexOf(form)).find((found) => found >= 0);
  return index === undefined ? 1 : lineAt(markdown, index);
}

function protectLiquid(source: string): { text: string; tags: string[]; restore: (output: string) => string } {
  const tags: string[] = [];
  const indexes = new Map<string, number>();
  // The same tag gets the same word, so that <a href="{{ url }}">{{ url }}</a> is seen as a link shown by its address.
  const indexOf = (tag: string) => indexes.get(tag) ?? indexes.set(tag, tags.push(tag) - 1).get(tag)!;
  const text = source.replace(liquidTag, (tag) => placeholder(indexOf(tag)));
  return { text, tags, restore: (output) => output.replace(placeholderPattern, (_, index: string) => tags[Number(index)]) };
}

/** GitHub-flavoured (tables, task lists, autolinks); a single newline is a line break, as in a mail client, unless `breaks` is false. */
function markdownToHtml(markdown: string, breaks: boolean, origin: string): string {
  const { text, tags, restore } = protectLiquid(markdown);
  const body = marked.parse(text, { async: false, gfm: true, breaks });
  const spanning = blockAcrossMarkdownBlocks(body, tags, placeholderPattern);
  if (spanning) {
    throw new InputError(
      `${origin}:${lineAt(markdown, markdown.indexOf(spanning))}: the Liquid block ${spanning} spans Markdown blocks (paragraphs, list items), ` +
        `so the HTML it repeats or leaves out is not whole (e.g. <li>…</p>, a list inside a list): keep a block's tags inside one paragraph or list item, ` +
        `or write that part in HTML, e.g. <ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul>`,
    );
  }
  return restore(`<!doctype html>\n<html><head><meta charset="utf-8"></head><body>\n${body}</body></html>\n`);
}

function htmlSourceToText(html: string): string {
  const { text, restore } = protectLiquid(html);
  return restore(htmlToTextTemplate(text));
}
