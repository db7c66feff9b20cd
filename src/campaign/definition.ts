import path from 'node:path';
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document } from 'yaml';
import * as z from 'zod';
import { InputError } from '../errors.js';
import { readRegularFile } from '../system/safe-file.js';
import { hasUtf8LocalPart, parseMailbox } from './address.js';
import { confinedPath, textFileLimits } from './campaign-files.js';
import { saveAsUtf8, textProblem } from './text.js';

/** Headers mailshot writes itself, and what to write instead of setting them in `headers`. */
const reservedHeaders: Record<string, string> = {
  from: 'use the field "from"',
  to: 'the recipient comes from the CSV: use "email_column" (and "to_name" for the name)',
  cc: 'use the field "cc"',
  bcc: 'use the field "bcc"',
  subject: 'use the field "subject"',
  'reply-to': 'use the field "reply_to"',
  'list-unsubscribe': 'use the field "list_unsubscribe"',
  'list-unsubscribe-post': 'use the field "list_unsubscribe" with an https url',
};
for (const name of ['message-id', 'date', 'mime-version', 'content-type', 'content-transfer-encoding', 'sender', 'return-path']) {
  reservedHeaders[name] = 'mailshot sets it for each message; remove it from headers';
}
const isReserved = (name: string) => Object.hasOwn(reservedHeaders, name.toLowerCase());

const mailbox = z
  .string()
  .refine((value) => parseMailbox(value) !== null, {
    message: 'is not a valid address; write it as "Name <you@example.com>" or "you@example.com"',
    abort: true,
  })
  .refine((value) => !hasUtf8LocalPart(parseMailbox(value)!.address), {
    message: 'has non-ASCII characters before the "@", which many mail servers cannot deliver; use an ASCII address',
  });
const template = z.string().min(1, 'must not be empty');
const filePath = z.string().min(1, 'must name a file');

const schema = z
  .object({
    name: z.string().min(1, 'must not be empty'),
    from: mailbox,
    reply_to: mailbox.optional(),
    subject: template,
    markdown: filePath.optional(),
    html: filePath.optional(),
    text: filePath.optional(),
    markdown_breaks: z.boolean().default(true),
    recipients: filePath,
    email_column: z.string().min(1).default('email'),
    to_name: template.optional(),
    // Each entry a template giving one address or several, comma-separated ("{{ manager_email }}", "Archive <me@example.com>").
    cc: z
      .union([template, z.array(template).min(1, 'needs at least one address')])
      .transform(asList)
      .optional(),
    bcc: z
      .union([template, z.array(template).min(1, 'needs at least one address')])
      .transform(asList)
      .optional(),
    headers: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z0-9-]+$/, 'header names may contain only letters, digits and "-"')
          .superRefine((name, context) => {
            if (isReserved(name))
              context.addIssue({ code: 'custom', message: `is set by mailshot itself: ${reservedHeaders[name.toLowerCase()]}` });
          }),
        z.union([z.string(), z.number()]).transform(String),
      )
      .default({}),
    attachments: z.array(filePath).default([]),
    allow_files_outside: z.boolean().optional(),
    /** The former name of allow_files_outside, still accepted (with a warning). */
    allow_attachments_outside: z.boolean().optional(),
    list_unsubscribe: z
      .object({ url: template.optional(), mailto: template.optional() })
      .strict()
      .refine((value) => value.url || value.mailto, 'needs a url, a mailto, or both')
      .optional(),
    via: z.string().min(1).optional(),
    deliver_at_local: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'write the local time as HH:MM, e.g. "09:00"')
      .optional(),
    timezone_column: z.string().min(1).optional(),
    default_timezone: z
      .string()
      .refine(isKnownTimeZone, 'is not a known IANA time zone (e.g. "Europe/Paris", "America/New_York")')
      .optional(),
  })
  .strict()
  .refine((value) => value.markdown || value.html || value.text, {
    message: 'a body is missing: add markdown, html or text (a template file)',
    path: ['markdown'],
  })
  .refine((value) => value.deliver_at_local || !(value.timezone_column || value.default_timezone), {
    message: 'timezone_column and default_timezone only apply with deliver_at_local (the local time to deliver at)',
    path: ['deliver_at_local'],
  })
  .refine((value) => !(value.markdown && value.html), {
    message: 'give either markdown or html, not both (markdown becomes the HTML part)',
    path: ['html'],
  });

function asList(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export type CampaignFields = z.infer<typeof schema>;

export interface CampaignDefinition extends CampaignFields {
  file: string;
  dir: string;
  /** Template sources, read once. */
  sources: { markdown?: string; html?: string; text?: string };
  recipientsFile: string;
  /** allow_files_outside (or its former name): templates, recipients and attachments may lie outside the campaign folder. */
  allowFilesOutside: boolean;
  /** email_column is written in the file; otherwise the CSV's usual address column names are tried. */
  emailColumnGiven: boolean;
  warnings: string[];
}

/** Reads and checks a campaign file. Every problem is an InputError naming the file, the field and the line. */
export async function loadCampaign(file: string): Promise<CampaignDefinition> {
  const absolute = path.resolve(file);
  const yamlText = await readInput(absolute, 'campaign file');
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  const where = (offset: number | undefined) => `${file}:${offset === undefined ? 1 : lineCounter.linePos(offset).line}`;
  const [syntaxError] = doc.errors;
  if (syntaxError) throw new InputError(`${where(syntaxError.pos[0])}: YAML syntax error: ${firstLine(syntaxError.message)}`);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new InputError(`${file}: cannot use this YAML: ${(error as Error).message}`); // an alias bomb ("billion laughs")
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${file}:1: a campaign file is a YAML mapping of fields (name, from, subject, recipients, …)`);
  }
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    // A misspelt field is also a missing one: report the spelling, which is the actual mistake.
    const issue = parsed.error.issues.find((candidate) => candidate.code === 'unrecognized_keys') ?? parsed.error.issues[0];
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const fieldPath = [...issue.path, ...keys.slice(0, 1)].map(String);
    const field = fieldPath.join('.') || '(top level)';
    const text = issue.code === 'unrecognized_keys' ? `unknown field; check its spelling` : describeIssue(issue);
    throw new InputError(`${where(offsetOf(doc, fieldPath))}: field "${field}": ${text}`);
  }

  const dir = path.dirname(absolute);
  const fields = parsed.data;
  const resolve = (relative: string) => path.resolve(dir, relative);
  const confinement = { file: absolute, dir, allowFilesOutside: fields.allow_files_outside ?? fields.allow_attachments_outside ?? false };
  const warnings =
    fields.allow_attachments_outside === undefined
      ? []
      : [`${file}: "allow_attachments_outside" is now called "allow_files_outside" (it covers templates and recipients too); rename it`];
  const sources: CampaignDefinition['sources'] = {};
  for (const kind of ['markdown', 'html', 'text'] as const) {
    const relative = fields[kind];
    if (relative)
      sources[kind] = await readInput(resolve(relative), `${kind} template (field "${kind}" in ${file})`, () =>
        confinedPath(confinement, relative, kind),
      );
  }
  const recipientsFile = resolve(fields.recipients);
  await confinedPath(confinement, fields.recipients, 'recipients').catch((error: unknown) => {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read recipients file ${recipientsFile}: ${describeFsError(error)}`);
  });
  const emailColumnGiven = 'email_column' in value;
  return { ...fields, ...confinement, file: absolute, sources, recipientsFile, warnings, emailColumnGiven };
}

/**
 * Reads a file the user named (`realPath` checks where it leads first); a missing or unreadable one, a
 * device or FIFO, one over the size cap, or one that is not UTF-8 text, is an InputError that says which.
 */
export async function readInput(file: string, what: string, realPath = async () => file): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(await realPath(), textFileLimits);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read ${what} ${file}: ${describeFsError(error)}`);
  }
  const problem = textProblem(bytes);
  if (problem) throw new InputError(`${file}:${problem.line}: this line of the ${what} ${problem.what}; ${saveAsUtf8}`);
  return bytes.toString('utf8');
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder, not a file';
    default:
      return (error as Error).message;
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    return issue.input === undefined ? 'is required' : `expected ${issue.expected}, found ${typeName(issue.input)}`;
  }
  if (issue.code === 'invalid_key') return describeIssue(issue.issues[0]);
  return issue.message;
}

function typeName(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}

/** Start offset of the deepest node of `fieldPath` that exists: the key itself for a mapping entry. */
function offsetOf(doc: Document, fieldPath: string[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = (doc.contents as { range?: [number] } | null)?.range?.[0];
  for (const segment of fieldPath) {
    if (!isMap(node) && !(node && typeof node === 'object' && 'items' in node)) break;
    const items = (node as { items: unknown[] }).items;
    const next = isMap(node)
      ? items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === segment)
      : items[Number(segment)];
    if (!next) break;
    if (isPair(next)) {
      offset = (next.key as { range?: [number] }).range?.[0] ?? offset;
      node = next.value;
    } else {
      offset = (next as { range?: [number] }).range?.[0] ?? offset;
      node = next;
    }
  }
  return offset;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
