import { writeCampaign } from './cli.js';

// Campaigns in the shapes users write: every body source, each optional field on and off, and every
// CSV dialect. Used by the CLI shapes test and by the byte-identity test of message composition.

const bodies = ['text', 'html', 'markdown', 'html+text', 'markdown+text'] as const;
const optionalFields = ['to_name', 'reply_to', 'headers', 'attachments', 'list_unsubscribe', 'via'] as const;
export type Body = (typeof bodies)[number];
export type Optional = (typeof optionalFields)[number];

interface Dialect {
  delimiter: ',' | ';' | '\t';
  bom: boolean;
  crlf: boolean;
  multiline: boolean;
}

export interface Shape {
  body: Body;
  fields: Set<Optional>;
  dialect: Dialect;
}

const sources: Record<'text' | 'html' | 'markdown', [string, string]> = {
  text: ['body.txt', 'Hello {{ name }},\n{{ note }}\n'],
  html: ['body.html', '<p>Hello {{ name }},</p>\n<p>{{ note }}</p>\n'],
  markdown: ['body.md', 'Hello **{{ name }}**,\n\n{{ note }}\n'],
};

const optionalYaml: Record<Optional, string> = {
  to_name: 'to_name: "{{ name }}"',
  reply_to: 'reply_to: "Replies <reply@example.org>"',
  headers: 'headers: { X-Campaign: shapes }',
  attachments: 'attachments: [files/info.txt]',
  list_unsubscribe: 'list_unsubscribe: { url: "https://example.org/u?e={{ email | url_encode }}", mailto: "unsub@example.org" }',
  via: 'via: outbox',
};

/** A small seeded generator, so that a failing shape can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

export function shapes(): Shape[] {
  const next = random(Number(process.env.MAILSHOT_TEST_SEED ?? 12));
  const dialect = (index: number): Dialect => ({
    delimiter: ([',', ';', '\t'] as const)[index % 3],
    bom: Math.floor(index / 3) % 2 === 1,
    crlf: Math.floor(index / 6) % 2 === 1,
    multiline: Math.floor(index / 12) % 2 === 1,
  });
  const all: Shape[] = [];
  // Every body with every optional field and with none; then sampled combinations.
  bodies.forEach((body, index) => {
    all.push({ body, fields: new Set(optionalFields), dialect: dialect(index * 5) });
    all.push({ body, fields: new Set(), dialect: dialect(index * 5 + 12) });
  });
  for (let index = 0; index < 14; index++) {
    const fields = new Set(optionalFields.filter(() => next() < 0.5));
    all.push({ body: bodies[index % bodies.length], fields, dialect: dialect(Math.floor(next() * 24)) });
  }
  return all;
}

function csvOf({ delimiter, bom, crlf, multiline }: Dialect): string {
  const note = multiline ? '"first line\nsecond line"' : 'see you soon';
  const rows = [
    ['email', 'name', 'note'],
    ['ann@example.com', 'Ann', note],
    ['"Bob Stone <bob@example.com>"', 'Bob', 'plain'],
    ['cara@example.com', '"Cara, PhD"', 'x'],
  ];
  const text = rows.map((row) => row.join(delimiter)).join('\n') + '\n';
  return (bom ? '\uFEFF' : '') + (crlf ? text.replace(/\n/g, '\r\n') : text);
}

export async function campaignOf(shape: Shape) {
  const lines = ['name: Shapes', 'from: "Sender <sender@example.org>"', 'subject: "Hi {{ name }}"', 'recipients: recipients.csv'];
  const files: Record<string, string> = { 'files/info.txt': 'information\n' };
  for (const kind of shape.body.split('+') as ('text' | 'html' | 'markdown')[]) {
    const [file, content] = sources[kind];
    lines.push(`${kind}: ${file}`);
    files[file] = content;
  }
  for (const field of shape.fields) lines.push(optionalYaml[field]);
  return writeCampaign({ yaml: lines.join('\n') + '\n', csv: csvOf(shape.dialect), files });
}

export function describeShape(shape: Shape): string {
  const { delimiter, bom, crlf, multiline } = shape.dialect;
  const dialect = [JSON.stringify(delimiter), bom && 'BOM', crlf && 'CRLF', multiline && 'multi-line'].filter(Boolean).join(' ');
  return `${shape.body} with [${[...shape.fields].join(', ')}], CSV ${dialect}`;
}
