import type { FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { InputError, MailshotError, StopError } from '../errors.js';
import { openOwnerOnly } from '../system/owner-only.js';
import { stateFolderAdvice } from './state.js';

/**
 * One line of journal.jsonl. `to` is the recipient's normalised address; `at` is epoch milliseconds.
 * `attempt` is durable before the message is handed to a transport; a recipient whose last event is
 * `attempt` is "in doubt": it may or may not have been accepted.
 */
export type JournalEvent =
  | { ev: 'attempt'; to: string; at: number; line?: number }
  | { ev: 'sent'; to: string; at: number; reply: string; cc?: string[]; bcc?: string[] }
  | { ev: 'failed'; to: string; at: number; kind: string; code?: string; text: string; line?: number }
  | { ev: 'deferred'; to: string; at: number; kind: string; code?: string; text: string }
  | { ev: 'skipped'; to?: string; at: number; reason: string; line: number; value?: string; suppressed?: string }
  | { ev: 'run'; at: number; what: 'start' | 'end'; status?: string; via?: string; name?: string }
  | { ev: 'limits'; at: number; concurrency: number; rate?: string; why: string }
  | AfterDeliveryEvent;

/**
 * What the mailbox said after a message was delivered (`bounces check`): it does not change whether the
 * recipient is settled, only what the report says about it.
 */
export type AfterDeliveryEvent =
  | { ev: 'bounced'; to: string; at: number; hard: boolean; status: string; diagnostic?: string }
  | { ev: 'complained'; to: string; at: number; feedback?: string }
  | { ev: 'unsubscribed'; to: string; at: number };

export const afterDeliveryEvents: ReadonlySet<string> = new Set<AfterDeliveryEvent['ev']>(['bounced', 'complained', 'unsubscribed']);

export type RecipientEvent = Exclude<JournalEvent, { ev: 'run' | 'limits' } | AfterDeliveryEvent> & { to: string };

/**
 * Append-only journal with group commit: lines appended while a write + fsync is in progress are
 * written and synced together by the next one. Each append resolves once its line is on disk.
 */
export class Journal {
  private queue: string[] = [];
  private waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private flushing?: Promise<void>;
  private failure?: Error;

  private constructor(
    private readonly file: string,
    private readonly handle: FileHandle,
  ) {}

  /** Opens for appending; a torn last line (from a power cut) is cut off first so appends start on a fresh line. */
  static async open(file: string, warn: (message: string) => void): Promise<Journal> {
    const handle = await openOwnerOnly(file, 'a+').then((opened) => opened!, (error: unknown) => {
      throw unusableJournal(file, error);
    });
    const { size } = await handle.stat();
    const intact = await intactLength(handle, size);
    if (intact < size) {
      warn(`${file}: the last line was cut short (the sender was stopped while writing it); ignoring it`);
      await handle.truncate(intact);
    }
    return new Journal(file, handle);
  }

  append(event: JournalEvent): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push(JSON.stringify(event) + '\n');
      this.waiters.push({ resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.handle.close();
  }

  private async flush(): Promise<void> {
    while (this.queue.length && !this.failure) {
      const lines = this.queue.join('');
      const waiters = this.waiters;
      this.queue = [];
      this.waiters = [];
      try {
        await writeAll(this.handle, Buffer.from(lines));
        await this.handle.datasync();
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        this.failure = new StopError(
          `cannot write the journal ${this.file}: ${(error as Error).message}. Nothing more is sent until it can; ` +
            `free disk space (or fix the folder), then run \`mailshot campaign resume\``,
        );
        for (const waiter of [...waiters, ...this.waiters]) waiter.reject(this.failure);
        this.waiters = [];
        this.queue = [];
      }
    }
    this.flushing = undefined;
  }
}

/** Streams the journal's events. A torn last line is skipped with a warning; any other bad line is an error naming it. */
export async function* readJournal(file: string, warn: (message: string) => void, offset = 0): AsyncGenerator<JournalEvent> {
  for await (const lines of journalLines(file, warn, offset)) {
    for (const line of lines) yield parseLine(file, line.text, line.number);
  }
}

/**
 * Each recipient's last event kind, for deciding who still needs a message. Lines in the exact form
 * mailshot writes (`{"ev":"…","to":"…",…}`) are read without a full JSON parse: on a journal of
 * millions of lines that halves the time before the first message of a resume. `from`: a resume
 * checkpoint's journal offset and what it knew then (the lines before it are not read).
 */
export async function lastEventByRecipient(
  file: string,
  warn: (message: string) => void,
  from?: { offset: number; last: Map<string, JournalEvent['ev']> },
): Promise<Map<string, JournalEvent['ev']>> {
  const last = from?.last ?? new Map<string, JournalEvent['ev']>();
  for await (const lines of journalLines(file, warn, from?.offset)) {
    for (const { text, number } of lines) {
      const event = quickRead(text) ?? parseLine(file, text, number);
      if ('to' in event && event.to && !afterDeliveryEvents.has(event.ev)) last.set(event.to, event.ev);
    }
  }
  return last;
}

const quickPrefix = '{"ev":"';
const quickTo = '","to":"';

function quickRead(text: string): { ev: JournalEvent['ev']; to: string } | undefined {
  if (!text.startsWith(quickPrefix) || !text.endsWith('}') || text.includes('\\')) return undefined;
  const evEnd = text.indexOf('"', quickPrefix.length);
  if (!text.startsWith(quickTo, evEnd)) return undefined;
  const toStart = evEnd + quickTo.length;
  const toEnd = text.indexOf('"', toStart);
  if (toEnd < 0) return undefined;
  return { ev: text.slice(quickPrefix.length, evEnd) as JournalEvent['ev'], to: text.slice(toStart, toEnd) };
}

interface Line {
  text: string;
  number: number;
}

/**
 * The journal's lines with their numbers, a chunk's worth at a time. The last line is held back until
 * it is known to be whole: a torn last line (a power cut mid-write) is dropped with a warning.
 */
async function* journalLines(file: string, warn: (message: string) => void, offset = 0): AsyncGenerator<Line[]> {
  let handle: FileHandle | undefined;
  try {
    handle = await openOwnerOnly(file, 'r');
  } catch (error) {
    throw unusableJournal(file, error);
  }
  if (!handle) return;
  const decoder = new StringDecoder('utf8');
  const chunk = Buffer.allocUnsafe(1 << 20);
  let carry = '';
  let number = 0;
  let pending: Line | undefined;
  try {
    for (let position = offset; ; ) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (!bytesRead) break;
      position += bytesRead;
      const texts = (carry + decoder.write(chunk.subarray(0, bytesRead))).split('\n');
      carry = texts.pop()!;
      const lines: Line[] = pending ? [pending] : [];
      for (const text of texts) lines.push({ text, number: ++number });
      pending = lines.pop();
      yield lines;
    }
  } finally {
    await handle.close();
  }
  carry += decoder.end();
  if (carry) {
    if (pending) yield [pending];
    pending = { text: carry, number: number + 1 };
  }
  if (!pending) return;
  try {
    parseLine(file, pending.text, pending.number);
  } catch {
    warn(`${file}:${pending.number}: the last line was cut short (the sender was stopped while writing it); ignoring it`);
    return;
  }
  yield [pending];
}

function unusableJournal(file: string, error: unknown): MailshotError {
  if (error instanceof MailshotError) return error;
  return new StopError(`cannot use the journal ${file}: ${(error as Error).message}; ${stateFolderAdvice}`);
}

function parseLine(file: string, text: string, number: number): JournalEvent {
  let event: JournalEvent;
  try {
    event = JSON.parse(text) as JournalEvent;
  } catch {
    throw new InputError(`${file}:${number}: this line is not valid JSON; the journal was edited or damaged (restore it from a backup, or move the state folder away to start over)`);
  }
  if (typeof event !== 'object' || event === null || typeof event.ev !== 'string' || typeof event.at !== 'number') {
    throw new InputError(`${file}:${number}: not a journal event (needs "ev" and "at"); the journal was edited or damaged`);
  }
  return event;
}

/**
 * A write to a nearly full disk may store only part of the buffer and still succeed: the rest must be
 * written (and fail with ENOSPC) before the lines count as on disk.
 */
async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, offset);
    offset += bytesWritten;
  }
}

/** Length of the file up to and including its last newline. */
async function intactLength(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const newline = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (newline >= 0) return start + newline + 1;
    end = start;
  }
  return 0;
}
