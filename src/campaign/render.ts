import path from 'node:path';
import { convert as htmlToText } from 'html-to-text';
import { Liquid, type Template } from 'liquidjs';
import { marked } from 'marked';
import { InputError } from '../errors.js';
import type { CampaignDefinition } from './definition.js';

/** Everything that varies per recipient, rendered from templates compiled once per campaign. */
export interface RenderedParts {
  subject: string;
  toName: string;
  html?: string;
  text: string;
  headers: Record<string, string>;
  listUnsubscribe: { url?: string; mailto?: string };
  attachments: string[];
}

type Engine = 'html' | 'text';
interface NamedTemplate {
  /** Where the template comes from, for error messages: 'subject', 'body.md', 'headers.X-Tag' … */
  origin: string;
  engine: Engine;
  parsed: Template[];
  /** False when the source holds no Liquid tag: the output is the same for every recipient. */
  dynamic: boolean;
}

const limits = { renderLimit: 1_000, memoryLimit: 10_000_000, parseLimit: 1_000_000 };
const engines: Record<Engine, Liquid> = {
  html: new Liquid({ strictVariables: true, strictFilters: true, outputEscape: 'escape', ...limits }),
  text: new Liquid({ strictVariables: true, strictFilters: true, ...limits }),
};

/**
 * Templates never read files. LiquidJS's include, render and layout would read any file under the
 * working folder into a message (a shared or downloaded campaign could mail out ~/.ssh or .env), so
 * they are refused when the template is parsed, before anything is sent.
 */
for (const engine of Object.values(engines)) {
  for (const tag of ['include', 'render', 'layout']) {
    engine.registerTag(tag, {
      parse() {
        throw new Error(`{% ${tag} %} reads another file, and mailshot templates cannot read files; put the text in this template`);
      },
      render() {},
    });
  }
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
  private readonly headers: [string, NamedTemplate][];
  private readonly unsubscribeUrl?: NamedTemplate;
  private readonly unsubscribeMailto?: NamedTemplate;
  private readonly attachments: NamedTemplate[];

  constructor(campaign: CampaignDefinition) {
    const name = (field: string) => `field "${field}" of ${path.basename(campaign.file)}`;
    this.subject = this.compile(name('subject'), 'text', campaign.subject);
    if (campaign.to_name) this.toName = this.compile(name('to_name'), 'text', campaign.to_name);
    const { markdown, html, text } = campaign.sources;
    const htmlOrigin = path.basename(campaign.markdown ?? campaign.html ?? campaign.text!);
    // Syntax errors are found in the Markdown itself, so their line numbers are those of the user's file.
    if (markdown !== undefined) parse(htmlOrigin, 'html', markdown);
    const htmlSource = markdown !== undefined ? markdownToHtml(markdown) : html;
    if (htmlSource !== undefined) this.html = this.compile(htmlOrigin, 'html', htmlSource);
    this.text = text !== undefined
      ? this.compile(path.basename(campaign.text!), 'text', text)
      : this.compile(`text derived from ${htmlOrigin}`, 'text', htmlSourceToText(htmlSource!));
    this.headers = Object.entries(campaign.headers).map(([header, value]) => [header, this.compile(name(`headers.${header}`), 'text', value)]);
    const unsubscribe = campaign.list_unsubscribe;
    if (unsubscribe?.url) this.unsubscribeUrl = this.compile(name('list_unsubscribe.url'), 'text', unsubscribe.url);
    if (unsubscribe?.mailto) this.unsubscribeMailto = this.compile(name('list_unsubscribe.mailto'), 'text', unsubscribe.mailto);
    this.attachments = campaign.attachments.map((file, index) => this.compile(name(`attachments[${index}]`), 'text', file));
  }

  /** True when an attachment path depends on the recipient. */
  get hasTemplatedAttachments(): boolean {
    return this.attachments.some((template) => template.dynamic);
  }

  /** Fails, before anything is sent, when a template uses a variable that is not a CSV column. */
  checkVariables(columns: string[], csvFile: string): void {
    const known = new Set(columns);
    for (const template of this.all) {
      for (const variable of engines[template.engine].globalVariablesSync(template.parsed)) {
        if (!known.has(variable)) {
          throw new InputError(
            `${template.origin} uses the variable "${variable}", but ${csvFile} has no such column ` +
              `(columns: ${columns.join(', ')}); add the column or fix the template`,
          );
        }
      }
    }
  }

  render(fields: Record<string, string>): RenderedParts {
    const run = (template: NamedTemplate) => this.run(template, fields);
    const oneLine = (template: NamedTemplate) => run(template).replace(/[\r\n\0]+/g, ' ').trim();
    return {
      subject: oneLine(this.subject),
      toName: this.toName ? oneLine(this.toName) : '',
      html: this.html && run(this.html),
      text: run(this.text),
      headers: Object.fromEntries(this.headers.map(([header, template]) => [header, oneLine(template)])),
      listUnsubscribe: {
        url: this.unsubscribeUrl && oneLine(this.unsubscribeUrl),
        mailto: this.unsubscribeMailto && oneLine(this.unsubscribeMailto),
      },
      attachments: this.attachments.map(oneLine),
    };
  }

  private compile(origin: string, engine: Engine, source: string): NamedTemplate {
    const template = { origin, engine, parsed: parse(origin, engine, source), dynamic: /\{\{|\{%/.test(source) };
    this.all.push(template);
    return template;
  }

  private run(template: NamedTemplate, fields: Record<string, string>): string {
    try {
      return engines[template.engine].renderSync(template.parsed, fields) as string;
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

function protectLiquid(source: string): { text: string; restore: (output: string) => string } {
  const tags: string[] = [];
  const text = source.replace(liquidTag, (tag) => placeholder(tags.push(tag) - 1));
  return { text, restore: (output) => output.replace(placeholderPattern, (_, index: string) => tags[Number(index)]) };
}

function markdownToHtml(markdown: string): string {
  const { text, restore } = protectLiquid(markdown);
  const body = marked.parse(text, { async: false });
  return restore(`<!doctype html>\n<html><head><meta charset="utf-8"></head><body>\n${body}</body></html>\n`);
}

function htmlSourceToText(html: string): string {
  const { text, restore } = protectLiquid(html);
  const keepCase = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } }));
  return restore(htmlToText(text, { wordwrap: 78, selectors: keepCase }));
}
