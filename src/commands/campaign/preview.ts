import type { Command } from 'commander';
import { exactly, runsWith, typed } from '../verb.js';
import { wholeNumber } from '../options.js';
import { InputError } from '../../errors.js';
import { warn, writeForPerson, type CommandIo } from '../io.js';
import { printJson } from '../json-output.js';
import { previewJson } from '../preview-json.js';

export interface PreviewOptions {
  file: string;
  /** Data row of the CSV (1 = the first recipient). */
  row: number;
  /** The complete MIME message instead of its parts. */
  raw?: boolean;
  /** Open the HTML part, images included, in the browser. */
  open?: boolean;
  /** The rendered parts as JSON (with raw: the MIME message as a string). */
  json?: boolean;
}

/** `mailshot campaign preview FILE`. */
export function define(campaign: Command): void {
  typed(campaign.command('preview'))
    .description("print one recipient's rendered message")
    .argument('<file>', 'campaign YAML file')
    .option('--row <n>', 'data row of the CSV (1 = first recipient)', wholeNumber(1), 1)
    .option('--raw', 'print the complete MIME message instead')
    .option('--open', 'open the HTML part in the browser, images included (the page is written to a temporary file, whose path is printed)')
    .option('--json', 'print the rendered parts as JSON (with --raw: the MIME message as a string)')
    .action(runsWith(run, (file, flags) => ({ ...exactly<Omit<PreviewOptions, 'file'>>()(flags), file })));
}

export async function run(options: PreviewOptions, io: CommandIo): Promise<void> {
  const { previewRow } = await import('../../campaign/preview.js');
  if (options.open && options.raw)
    throw new InputError('--raw and --open do not go together: --raw prints the MIME message, --open shows the page');
  const { parts, message, recipient } = await previewRow(options.file, options.row);
  if (options.json) return printJson(io, previewJson(parts, message, options.raw));
  if (options.open) {
    const page = await (await import('../../campaign/preview-page.js')).writePreviewPage(parts);
    io.stdout.write(page + '\n');
    const { default: open } = await import('open');
    await open(page).catch((error: Error) => warn(io, `could not open a browser (${error.message}); the page is at ${page}`));
    return;
  }
  if (options.raw) {
    writeForPerson(io, message.raw);
    return;
  }
  const { listUnsubscribe } = parts;
  const headers = [
    `To: ${parts.toName || recipient.name ? `${parts.toName || recipient.name} <${message.to}>` : message.to}`,
    ...(message.cc.length ? [`Cc: ${message.cc.join(', ')}`] : []),
    ...(message.bcc.length ? [`Bcc: ${message.bcc.join(', ')} (envelope only, not in the message)`] : []),
    `Subject: ${parts.subject}`,
    ...Object.entries(parts.headers).map(([name, value]) => `${name}: ${value}`),
    ...(listUnsubscribe.url || listUnsubscribe.mailto
      ? [`List-Unsubscribe: ${[listUnsubscribe.url, listUnsubscribe.mailto].filter(Boolean).join(', ')}`]
      : []),
    ...(parts.attachments.length ? [`Attachments: ${parts.attachments.join(', ')}`] : []),
    ...(parts.inlineImages.length
      ? [`Inline images: ${parts.inlineImages.map((image) => `${image.filename} (cid:${image.cid})`).join(', ')}`]
      : []),
  ];
  const body = [`--- text ---`, parts.text.trimEnd(), ...(parts.html ? ['--- html ---', parts.html.trimEnd()] : [])];
  writeForPerson(io, [...headers, '', ...body].join('\n') + '\n');
}
