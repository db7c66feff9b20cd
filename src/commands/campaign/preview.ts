import type { CommandIo } from '../io.js';

export interface PreviewOptions {
  file: string;
  /** Data row of the CSV (1 = the first recipient). */
  row: number;
  /** The complete MIME message instead of its parts. */
  raw?: boolean;
}

export async function run(options: PreviewOptions, io: CommandIo): Promise<void> {
  const { previewRow } = await import('../../campaign/preview.js');
  const { parts, message, recipient } = await previewRow(options.file, options.row);
  if (options.raw) {
    io.stdout.write(message.raw);
    return;
  }
  const { listUnsubscribe } = parts;
  const headers = [
    `To: ${parts.toName || recipient.name ? `${parts.toName || recipient.name} <${message.to}>` : message.to}`,
    `Subject: ${parts.subject}`,
    ...Object.entries(parts.headers).map(([name, value]) => `${name}: ${value}`),
    ...(listUnsubscribe.url || listUnsubscribe.mailto ? [`List-Unsubscribe: ${[listUnsubscribe.url, listUnsubscribe.mailto].filter(Boolean).join(', ')}`] : []),
    ...(parts.attachments.length ? [`Attachments: ${parts.attachments.join(', ')}`] : []),
  ];
  const body = [`--- text ---`, parts.text.trimEnd(), ...(parts.html ? ['--- html ---', parts.html.trimEnd()] : [])];
  io.stdout.write([...headers, '', ...body].join('\n') + '\n');
}
