import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { CsvError, parse, type Options as CsvOptions } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { InputError } from '../errors.js';
import { openRegularFile } from '../system/safe-file.js';
import { AddressSet } from './address-set.js';
import { describeFsError } from './definition.js';
import { parseMailbox } from './address.js';
import { canonicalAddress, plainKey, showInvisible, trimSpaces, type AddressProblem } from './canonical-address.js';
import { excerpt } from './excerpt.js';
import { fingerprintOf, type CsvFingerprint } from './csv-fingerprint.js';
import { saveAsUtf8, textGuard, textProblem } from './text.js';

export interface Recipient {
  /** CSV line where the row starts (the header is line 1). */
  line: number;
  /** The address in its canonical form (canonical-address.ts): what the To header and the envelope carry. */
  address: string;
  /** The display name of a "Name <address>" cell. */
  name?: string;
  /** Identity of the recipient (duplicates, journal, Message-ID): the same canonical form. */
  key: string;
  fields: Record<string, string>;
}

export type RejectReason = AddressProblem | 'duplicate' | 'field_count';

/** Each reason in words, for people. */
export const rejectReasonText: Record<RejectReason, string> = {
  invalid_address: 'invalid address',
  utf8_local_part: 'non-ASCII before the "@"',
  invisible_character: 'invisible character',
  quoted_local_part: 'space or control character in a quoted local part',
  duplicate: 'duplicate',
  field_count: 'fields not matching the header',
};

export interface RejectedRow {
  line: number;
  reason: RejectReason;
  /** The cell as written, cut to a short excerpt: it is printed and journaled. */
  value: string;
}

export interface CsvLayout {
  columns: string[];
  delimiter: string;
  warnings: string[];
  /** The address column: the one named, or found among the usual names when none was named. */
  emailColumn: string;
}

/** Address column names of spreadsheet and address book exports, matched ignoring case, in order of preference. */
const usualEmailColumns = ['email', 'e-mail', 'email address', 'e-mail address', 'mail'];

const maxRecordBytes = 1_000_000;
const headBytes = 64 * 1024;
const candidateDelimiters = [',', ';', '\t'];

/**
 * Reads the header: delimiter, column names, and the email column — `emailColumn` when given, else the
 * first of the usual names (any case) the header has.
 */
export async function readLayout(file: string, emailColumn?: string): Promise<CsvLayout> {
  const head = await readHead(file);
  const lineEnd = head.findIndex((byte) => byte === 0x0a || byte === 0x0d);
  const headerBytes = head.subarray(0, lineEnd < 0 ? head.length : lineEnd);
  const problem = textProblem(headerBytes);
  if (problem) throw new InputError(`${file}:1: this line ${problem.what}; ${saveAsUtf8}`);
  if (lineEnd < 0 && head.length === headBytes) {
    throw new InputError(
      `${file}:1: the first line is longer than ${headBytes / 1024} KB; it must be the header naming the columns (e.g. "email,name")`,
    );
  }
  const firstLine = headerBytes.toString('utf8').replace(/^\uFEFF/, '');
  if (!firstLine.trim()) throw new InputError(`${file}:1: the first line must be the header naming the columns (e.g. "email,name")`);
  const delimiter = candidateDelimiters
    .map((candidate) => ({ candidate, count: firstLine.split(candidate).length }))
    .sort((a, b) => b.count - a.count)[0].candidate;
  let header: string[];
  try {
    [header] = parseSync(firstLine, { delimiter, relax_quotes: true }) as string[][];
  } catch (error) {
    throw new InputError(`${file}:1: cannot read the header: ${(error as Error).message}`);
  }
  const warnings: string[] = [];
  const columns = header.map((name) => {
    const trimmed = name.trim();
    if (trimmed !== name) warnings.push(`${file}:1: column name "${name}" has spaces around it; using "${trimmed}"`);
    return trimmed;
  });
  const seen = new Set<string>();
  for (const name of columns) {
    if (!name) throw new InputError(`${file}:1: a column has no name; give every column of the header a name`);
    if (seen.has(name)) throw new InputError(`${file}:1: column "${name}" appears twice; rename one of them`);
    seen.add(name);
  }
  const found = emailColumn ?? findEmailColumn(columns);
  if (!found || !seen.has(found)) {
    throw new InputError(
      `${file}:1: no "${emailColumn ?? 'email'}" column (found: ${listColumns(columns)}); ` +
        `rename the address column or set email_column in the campaign file`,
    );
  }
  return { columns, delimiter, warnings, emailColumn: found };
}

function findEmailColumn(columns: string[]): string | undefined {
  for (const usual of usualEmailColumns) {
    const column = columns.find((name) => name.toLowerCase() === usual);
    if (column) return column;
  }
  return undefined;
}

/** Where a pass over the CSV starts (a resume checkpoint's settled prefix), and who hears of each row's place. */
export interface CsvReading {
  start?: { offset: number; line: number };
  /** Each data row in order: where it ends, and whether it was passed over (settled, rejected or blank). */
  onRow?: (row: RowPosition) => void;
  /** A row with every field empty (a spreadsheet's ";;;;"): passed over without a word, only counted. */
  onBlank?: (line: number) => void;
  /** The file as it was opened for this pass: a change after that is seen by comparing it with the file now. */
  onOpen?: (fingerprint: CsvFingerprint) => void;
}

export interface RowPosition {
  line: number;
  /** Byte offset just after the row: a pass started here reads the rows after it. */
  end: number;
  /** Line number a pass started at `end` counts from. */
  nextLine: number;
  key?: string;
  passed: boolean;
}

/**
 * Streams the rows: each valid, first-seen recipient, or why a row is not sent.
 * Memory grows only with the set of addresses seen (for duplicate detection), never with the file.
 */
export async function* readRecipients(
  file: string,
  layout: CsvLayout,
  emailColumn: string,
  isSettled?: (key: string) => boolean,
  reading: CsvReading = {},
): AsyncGenerator<Recipient | RejectedRow> {
  const { start, onRow, onBlank, onOpen } = reading;
  const handle = await openRecipients(file);
  onOpen?.(fingerprintOf(await handle.stat()));
  // csv-parse turns each chunk into records at once, and they wait in the stream's buffer: small chunks
  // keep few of them alive at each garbage collection, so the young generation stays at its small size.
  const parser = pipeline(
    createReadStream(file, { fd: handle, highWaterMark: 16 * 1024, start: start?.offset ?? 0 }),
    textGuard(file),
    parse({
      bom: true,
      delimiter: layout.delimiter,
      // Line numbers are counted in each record's raw text: csv-parse's `info` object per record
      // costs more than the rest of the row and survives long enough to fill the old generation.
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: maxRecordBytes,
      // Byte offsets only for a pass that asks (a send): the info object lives only for this call.
      ...(onRow && {
        on_record: (record: ParsedRecord, info: { bytes: number }) => Object.assign(record, { end: (start?.offset ?? 0) + info.bytes }),
      }),
    } as CsvOptions),
    () => undefined, // errors reach the loop below through the parser
  );
  const classify = rowClassifier(layout, emailColumn, isSettled);
  let nextLine = start?.line ?? 1;
  let header = !start?.offset; // read by readLayout already
  try {
    for await (const { record, raw, end } of parser as AsyncIterable<ParsedRecord>) {
      const line = nextLine + lineBreaks(raw, blankLinesEnd(raw)); // skipped blank lines come first in `raw`
      nextLine += lineBreaks(raw, raw.length);
      if (header) {
        header = false;
        continue;
      }
      if (record.every((field) => !trimSpaces(field))) {
        onBlank?.(line);
        onRow?.({ line, end: end!, nextLine, passed: true });
        continue;
      }
      const { row, key } = classify(record, raw, line);
      onRow?.({ line, end: end!, nextLine, key, passed: !row || !isRecipient(row) });
      if (row) yield row;
    }
  } catch (error) {
    throw csvError(file, error);
  }
}

interface ParsedRecord {
  record: string[];
  raw: string;
  end?: number;
}

/**
 * Each row's fate: a recipient, a rejected row, or no row for a recipient the journal has settled
 * (valid and first-seen when it was sent: no need to check again); with the row's key when it has one.
 */
function rowClassifier(layout: CsvLayout, emailColumn: string, isSettled?: (key: string) => boolean) {
  const seen = new AddressSet();
  const emailIndex = layout.columns.indexOf(emailColumn);
  return (record: string[], raw: string, line: number): { row?: Recipient | RejectedRow; key?: string } => {
    // A short or long row ("Smith, John" unquoted) would be sent with its columns shifted.
    if (record.length !== layout.columns.length) {
      return {
        row: {
          line,
          reason: 'field_count',
          value: `${record.length} field(s) where the header has ${layout.columns.length}: ${excerpt(raw.trim(), 200)}`,
        },
      };
    }
    const cell = trimSpaces(record[emailIndex]);
    const quick = isSettled && plainKey(cell);
    if (quick && isSettled(quick)) return { key: quick };
    const { address, name } = nameAndAddress(cell);
    const checked = canonicalAddress(address);
    if ('problem' in checked) return { row: { line, reason: checked.problem, value: showInvisible(excerpt(cell)) } };
    const key = checked.address;
    if (isSettled?.(key)) return { key };
    if (!seen.add(key)) return { row: { line, reason: 'duplicate', value: excerpt(cell) }, key };
    // Own properties whatever the names: a column "__proto__" is a value like any other.
    const fields: Record<string, string> = Object.fromEntries(layout.columns.map((column, index) => [column, record[index]]));
    fields[emailColumn] = address;
    return { row: { line, address: key, name: name || undefined, key, fields }, key };
  };
}

function blankLinesEnd(text: string): number {
  let end = 0;
  while (text.charCodeAt(end) === 0x0a || text.charCodeAt(end) === 0x0d) end++;
  return end;
}

/** Line breaks in `text` before `end`: CRLF, LF and a lone CR each end one line. */
function lineBreaks(text: string, end: number): number {
  let count = 0;
  for (let index = 0; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x0a || (code === 0x0d && text.charCodeAt(index + 1) !== 0x0a)) count++;
  }
  return count;
}

/**
 * "Jane Doe <jane@example.com>", as spreadsheets and Outlook export it. A display name that holds an "@"
 * ("ann@example.com <evil@example.net>") would show the recipient another address than the real one: the
 * cell stays as it is, and is refused as an invalid address.
 */
function nameAndAddress(cell: string): { address: string; name?: string } {
  const mailbox = cell.includes('<') ? parseMailbox(cell) : null;
  return mailbox && !mailbox.name.includes('@') ? mailbox : { address: cell };
}

export function isRecipient(row: Recipient | RejectedRow): row is Recipient {
  return 'key' in row;
}

function csvError(file: string, error: unknown): Error {
  if (!(error instanceof CsvError)) return error instanceof Error ? error : new Error(String(error));
  const hints: Partial<Record<CsvError['code'], string>> = {
    CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed; add the closing double quote',
    CSV_MAX_RECORD_SIZE: `a row is larger than ${maxRecordBytes} bytes; is this really a recipient list?`,
    CSV_INVALID_CLOSING_QUOTE: 'a quote inside a field must be doubled ("")',
    INVALID_OPENING_QUOTE: 'a field with a double quote in it must be quoted as a whole, with the quote doubled: "say ""hi"""',
  };
  return new InputError(`${file}:${error.lines ?? '?'}: ${hints[error.code] ?? error.message}`);
}

/** Column names for a message: a header line of binary junk must not become a 64 KB message. */
function listColumns(columns: string[]): string {
  const shown = columns.slice(0, 10).map((name) => (name.length > 40 ? `${name.slice(0, 40)}…` : name));
  return shown.join(', ') + (columns.length > shown.length ? `, … (${columns.length} columns)` : '');
}

/** The recipients file, refused unless it is a regular file (see openRegularFile): on every run, resumes too. */
async function openRecipients(file: string) {
  try {
    return await openRegularFile(file);
  } catch (error) {
    throw new InputError(`cannot read recipients file ${file}: ${describeFsError(error)}`);
  }
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await openRecipients(file);
  try {
    const buffer = Buffer.alloc(headBytes);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } catch (error) {
    throw new InputError(`cannot read recipients file ${file}: ${describeFsError(error)}`);
  } finally {
    await handle.close();
  }
}
