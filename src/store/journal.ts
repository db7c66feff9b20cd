import type { FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { MailshotError, StopError } from '../errors.js';
import { openOwnerOnly } from '../system/owner-only.js';
import { writeAll } from '../system/write-all.js';
import { afterDeliveryEvents, isKnownEvent, parseJournalLine, type JournalEvent } from './journal-line.js';
import { stateFolderAdvice } from './state.js';

/**
 * How long a line that may ride the next commit (see Journal.append) waits for one at most before it is
 * committed on its own.
 */
const rideMs = 20;

/**
 * Append-only journal with group commit: a commit starts once the current turn of the event loop is over,
 * so the lines appended in one turn (the next messages of the connections whose replies came in together)
 * share one write; lines appended while a (synchronous, O_DSYNC) write is in progress are written together
 * by the next one. Each append resolves once its line is on disk.
 */
export class Journal {
  private queue: string[] = [];
  private waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private flushing?: Promise<void>;
  private rideTimer?: NodeJS.Timeout;
  private turnEnd?: NodeJS.Immediate;
  private failure?: Error;

  private constructor(
    private readonly file: string,
    private readonly handle: FileHandle,
    /** Bytes on disk and synced: what state.json records, so that a journal cut short later is noticed. */
    private durable: number,
  ) {}

  /**
   * Opens for appending. A torn last line (from a power cut), or a last line that is not a valid event
   * (a write that went wrong), is cut off first so appends start on a fresh line after intact events.
   */
  static async open(file: string, warn: (message: string) => void): Promise<Journal> {
    // O_DSYNC: each write returns once its lines are on disk, one system call where write + fdatasync took two
    const handle = await openOwnerOnly(file, 'a+', { dsync: true }).then(
      (opened) => opened!,
      (error: unknown) => {
        throw unusableJournal(file, error);
      },
    );
    try {
      const { size } = await handle.stat();
      let intact = await intactLength(handle, size);
      if (intact < size) warn(`${file}: the last line was cut short (the sender was stopped while writing it); ignoring it`);
      const lastStart = await intactLength(handle, intact - 1);
      if (intact > 0 && !isValidLine(file, await readRange(handle, lastStart, intact - 1))) {
        warn(`${file}: the last line is not a valid journal event (a write that went wrong); removing it`);
        intact = lastStart;
      }
      if (intact < size) await handle.truncate(intact);
      return new Journal(file, handle, intact);
    } catch (error) {
      await handle.close();
      throw error instanceof StopError ? error : unusableJournal(file, error);
    }
  }

  get size(): number {
    return this.durable;
  }

  /**
   * Appends a line; the promise resolves once it is on disk. With `ride`, no commit is started for it:
   * the line goes with the next one (lines are written in the order they were appended), or on its own
   * after rideMs. A recipient's outcome rides the next recipient's `attempt`, so a crash leaves in doubt
   * at most the recipients in flight.
   */
  append(event: JournalEvent, { ride = false } = {}): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push(JSON.stringify(event) + '\n');
      this.waiters.push({ resolve, reject });
      if (this.flushing) return;
      if (ride) this.rideTimer ??= setTimeout(() => this.commit(), rideMs);
      else this.turnEnd ??= setImmediate(() => this.commit());
    });
  }

  /** Waits for the last commit (lines still riding are committed now), then closes the file. */
  async close(): Promise<void> {
    if (this.queue.length) this.commit();
    await this.flushing;
    await this.handle.close();
  }

  private commit(): void {
    clearTimeout(this.rideTimer);
    clearImmediate(this.turnEnd);
    this.rideTimer = undefined;
    this.turnEnd = undefined;
    this.flushing ??= this.flush();
  }

  private async flush(): Promise<void> {
    while (this.queue.length && !this.failure) {
      const lines = this.queue.join('');
      const waiters = this.waiters;
      this.queue = [];
      this.waiters = [];
      try {
        const bytes = Buffer.from(lines);
        await writeAll(this.handle, bytes);
        this.durable += bytes.length;
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
    for (const line of lines) yield parseJournalLine(file, line.text, line.number);
  }
}

/** Where an event's line is in the journal: its first byte and its length (without the newline). */
export interface Place {
  start: number;
  bytes: number;
}

/** readJournal, with where each event's line is (to read it again with JournalAt), a chunk's events at a time. */
export async function* readJournalPlaced(
  file: string,
  warn: (message: string) => void,
  offset = 0,
): AsyncGenerator<{ event: JournalEvent; place: Place }[]> {
  let start = offset;
  for await (const lines of journalLines(file, warn, offset)) {
    yield lines.map((line) => {
      const bytes = Buffer.byteLength(line.text);
      const placed = { event: parseJournalLine(file, line.text, line.number), place: { start, bytes } };
      start += bytes + 1;
      return placed;
    });
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
  onRun?: (event: Extract<JournalEvent, { ev: 'run' }>) => void,
  from?: { offset: number; last: Map<string, JournalEvent['ev']> },
): Promise<Map<string, JournalEvent['ev']>> {
  const last = from?.last ?? new Map<string, JournalEvent['ev']>();
  for await (const lines of journalLines(file, warn, from?.offset)) {
    for (const { text, number } of lines) {
      const quick = quickRead(text);
      if (quick) last.set(quick.to, quick.ev);
      else {
        const event = parseJournalLine(file, text, number);
        if ('to' in event && event.to && !afterDeliveryEvents.has(event.ev)) last.set(event.to, event.ev);
        if (event.ev === 'run') onRun?.(event);
      }
    }
  }
  return last;
}

const quickPrefix = '{"ev":"';
const quickTo = '","to":"';
const quickAt = '","at":';

/** Anything unusual (an unknown event name, control characters, escapes) goes to the strict parser instead. */
function quickRead(text: string): { ev: JournalEvent['ev']; to: string } | undefined {
  if (!text.startsWith(quickPrefix) || !text.endsWith('}') || text.includes('\\') || /[\u0000-\u001f]/.test(text)) return undefined;
  const evEnd = text.indexOf('"', quickPrefix.length);
  if (!text.startsWith(quickTo, evEnd)) return undefined;
  const ev = text.slice(quickPrefix.length, evEnd);
  if (!isKnownEvent(ev) || !recipientEvents.has(ev)) return undefined;
  const toStart = evEnd + quickTo.length;
  const toEnd = text.indexOf('"', toStart);
  if (toEnd < 0 || !text.startsWith(quickAt, toEnd) || !/\d/.test(text[toEnd + quickAt.length] ?? '')) return undefined;
  return { ev, to: text.slice(toStart, toEnd) };
}

const recipientEvents = new Set<string>(['attempt', 'sent', 'failed', 'deferred', 'skipped']);

interface Line {
  text: string;
  number: number;
}

/**
 * The journal's lines with their numbers, a chunk's worth at a time. The last line is held back until
 * it is known to be whole: a torn last line (a power cut mid-write) is dropped with a warning.
 */
async function* journalLines(file: string, warn: (message: string) => void, offset = 0): AsyncGenerator<Line[]> {
  let opened: FileHandle | undefined;
  try {
    opened = await openOwnerOnly(file, 'r');
  } catch (error) {
    throw unusableJournal(file, error);
  }
  if (!opened) return;
  const handle = opened;
  const decoder = new StringDecoder('utf8');
  // 64 KiB at a time: the lines of a chunk are alive together, and bigger chunks grow the heap (and RSS) of a long read.
  // The next chunk is read while this one's lines are used: a read waits on the thread pool, which would leave this idle.
  const chunks = [Buffer.allocUnsafe(1 << 16), Buffer.allocUnsafe(1 << 16)];
  const readInto = (chunk: Buffer, position: number) => {
    const reading = handle.read(chunk, 0, chunk.length, position);
    reading.catch(() => undefined); // its failure is thrown where it is awaited, not as an unhandled rejection meanwhile
    return reading;
  };
  let next = readInto(chunks[0]!, offset);
  let carry = '';
  let number = 0;
  let pending: Line | undefined;
  try {
    for (let position = offset, turn = 1; ; turn ^= 1) {
      const { bytesRead, buffer } = await next;
      if (!bytesRead) break;
      position += bytesRead;
      next = readInto(chunks[turn]!, position);
      const texts = (carry + decoder.write(buffer.subarray(0, bytesRead))).split('\n');
      carry = texts.pop()!;
      const lines: Line[] = pending ? [pending] : [];
      for (const text of texts) lines.push({ text, number: ++number });
      pending = lines.pop();
      yield lines;
    }
  } finally {
    await next.catch(() => undefined);
    await handle.close();
  }
  carry += decoder.end();
  if (carry) {
    if (pending) yield [pending];
    pending = { text: carry, number: number + 1 };
  }
  if (!pending) return;
  if (!isValidLine(file, pending.text, pending.number)) {
    warn(`${file}:${pending.number}: the last line was cut short or damaged (the sender was stopped while writing it); ignoring it`);
    return;
  }
  yield [pending];
}

function unusableJournal(file: string, error: unknown): MailshotError {
  if (error instanceof MailshotError) return error;
  return new StopError(`cannot use the journal ${file}: ${(error as Error).message}; ${stateFolderAdvice}`);
}

function isValidLine(file: string, text: string, number = 0): boolean {
  try {
    parseJournalLine(file, text, number);
    return true;
  } catch {
    return false;
  }
}

async function readRange(handle: FileHandle, start: number, end: number): Promise<string> {
  const buffer = Buffer.alloc(Math.max(0, end - start));
  await handle.read(buffer, 0, buffer.length, start);
  return buffer.toString('utf8');
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
