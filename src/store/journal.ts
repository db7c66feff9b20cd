import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { InputError, StopError } from '../errors.js';

/**
 * One line of journal.jsonl. `to` is the recipient's normalised address; `at` is epoch milliseconds.
 * `attempt` is durable before the message is handed to a transport; a recipient whose last event is
 * `attempt` is "in doubt": it may or may not have been accepted.
 */
export type JournalEvent =
  | { ev: 'attempt'; to: string; at: number }
  | { ev: 'sent'; to: string; at: number; reply: string }
  | { ev: 'failed'; to: string; at: number; kind: string; code?: string; text: string }
  | { ev: 'deferred'; to: string; at: number; kind: string; code?: string; text: string }
  | { ev: 'skipped'; to?: string; at: number; reason: string; line: number; value?: string }
  | { ev: 'run'; at: number; what: 'start' | 'end'; status?: string; via?: string }
  | { ev: 'limits'; at: number; concurrency: number; rate?: string; why: string };

export type RecipientEvent = Exclude<JournalEvent, { ev: 'run' | 'limits' }> & { to: string };

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
    const handle = await open(file, 'a+', 0o600);
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
        await this.handle.write(lines);
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
export async function* readJournal(file: string, warn: (message: string) => void): AsyncGenerator<JournalEvent> {
  try {
    await stat(file);
  } catch {
    return;
  }
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNumber = 0;
  let pending: { text: string; number: number } | undefined;
  for await (const text of lines) {
    lineNumber++;
    if (pending) yield parseLine(file, pending.text, pending.number);
    pending = { text, number: lineNumber };
  }
  if (!pending) return;
  try {
    yield parseLine(file, pending.text, pending.number);
  } catch {
    warn(`${file}:${pending.number}: the last line was cut short (the sender was stopped while writing it); ignoring it`);
  }
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
