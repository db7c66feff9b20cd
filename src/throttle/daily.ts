import { randomBytes } from 'node:crypto';
import { open, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { StopError } from '../errors.js';
import { AppendBatcher } from './append-batch.js';
import type { Clock } from './clock.js';
import { makeFolder } from '../system/make-folder.js';

const dayMs = 24 * 3_600_000;

/** Recipients taken from the window (`token` gives them back), or when the window frees enough. */
export type Reservation = { ok: true; token?: string } | { ok: false; freeAt: number };

interface Entry {
  at: number;
  token: string;
  cancelled: boolean;
}

/**
 * An account's sends over the rolling last 24 hours, shared by every campaign and process that uses the
 * account. What it counts is what providers count: the envelope recipients of each message the server
 * accepted, or that may have reached it (in doubt). A sender reserves before it hands a message over and
 * gives the reservation back when the server refused it (`release`). Each send appends a line to a per-day
 * log (`<dir>/<YYYY-MM-DD>.log`, kept open until close()); appends are atomic, so a sender takes its place in
 * the file first and then counts the lines before its own. A line over the
 * limit is cancelled again (`<time> -<token>`). No lock is needed and two campaigns together never
 * exceed the limit. The logs are read incrementally: each reservation reads only what was appended since.
 */
export class DailyUsage {
  private readonly tokenPrefix = `${process.pid}.${randomBytes(4).toString('hex')}`;
  private sequence = 0;
  private folderReady?: Promise<unknown>;
  /** Per day log: how far it has been read, and its entries in file order. */
  private readonly logs = new Map<string, { offset: number; entries: Entry[] }>();
  private readonly byToken = new Map<string, Entry[]>();
  private reading: Promise<unknown> = Promise.resolve();
  private readonly appends = new AppendBatcher();

  constructor(
    private readonly dir: string,
    private readonly limit: number | undefined,
    private readonly clock: Clock,
  ) {}

  /**
   * Takes `recipients` sends from the window (providers count each recipient of a message, copies
   * included), or says when the window frees enough. The lines of one reservation are one append.
   */
  async reserve(recipients = 1): Promise<Reservation> {
    const now = this.clock.now();
    const token = `${this.tokenPrefix}.${++this.sequence}`;
    // Once per process: the folder, and day logs no window can reach any more.
    this.folderReady ??= makeFolder(this.dir, 0o700).then(() => this.prune());
    await this.folderReady.catch((error: unknown) => usageLogError(this.dir, error));
    await this.append(now, token, recipients);
    if (this.limit === undefined) return { ok: true, token };
    const entries = await this.window(now);
    const position = entries.findLastIndex((entry) => entry.token === token);
    if (position < this.limit) return { ok: true, token };
    await this.append(now, `-${token}`);
    return { ok: false, freeAt: entries[position - this.limit].at + dayMs };
  }

  /**
   * Gives a reservation back: the server refused the message (or never got it), so the provider does not count
   * it — or, with `recipients`, only that many of its envelope recipients (copies the server refused).
   */
  async release(token: string, recipients?: number): Promise<void> {
    if (recipients === 0) return;
    await this.append(this.clock.now(), recipients === undefined ? `-${token}` : `-${token} ${recipients}`);
  }

  /** A send that cannot be counted is not sent: a read-only or full config folder stops the run, naming the file. */
  private async append(now: number, token: string, times = 1): Promise<void> {
    const file = this.fileFor(now);
    await this.appends.append(file, `${now} ${token}\n`.repeat(times)).catch((error: unknown) => usageLogError(file, error));
  }

  /** Closes the day logs (they stay open for the run); appends in progress finish first. */
  close(): Promise<void> {
    return this.appends.close();
  }

  async sentInWindow(): Promise<number> {
    return (await this.window(this.clock.now())).length;
  }

  /** When the oldest send in the window leaves it, or undefined when there is none. */
  async nextFreeAt(): Promise<number | undefined> {
    const [oldest] = await this.window(this.clock.now());
    return oldest && oldest.at + dayMs;
  }

  /** Removes day logs that no window can reach any more. */
  private async prune(): Promise<void> {
    const keep = new Set(this.daysOfWindow(this.clock.now()).map((file) => path.basename(file)));
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (name.endsWith('.log') && !keep.has(name)) await rm(path.join(this.dir, name), { force: true });
    }
  }

  /** The live sends of the last 24 hours, oldest first. Reads run one at a time: each continues where the last stopped. */
  private window(now: number): Promise<Entry[]> {
    const result = this.reading.then(() => this.readWindow(now));
    this.reading = result.catch(() => undefined);
    return result;
  }

  private async readWindow(now: number): Promise<Entry[]> {
    const files = this.daysOfWindow(now);
    for (const file of this.logs.keys()) if (!files.includes(file)) this.forget(file);
    // Every log is read before any entry is judged: a line may be given back in the next day's log.
    const entries: Entry[] = [];
    for (const file of files) entries.push(...(await this.entriesOf(file)));
    return entries.filter((entry) => !entry.cancelled && entry.at > now - dayMs);
  }

  /** Reads what was appended to a day log since the last look. */
  private async entriesOf(file: string): Promise<Entry[]> {
    const log = this.logs.get(file) ?? { offset: 0, entries: [] };
    this.logs.set(file, log);
    // the day log this process appends to is open already; another one is opened for this read
    const appending = await this.appends.openHandle(file)?.catch(() => undefined);
    const handle = appending ?? (await open(file, 'r').catch(() => undefined));
    if (!handle) return log.entries;
    try {
      const { size } = await handle.stat();
      if (size <= log.offset) return log.entries;
      const buffer = Buffer.alloc(size - log.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, log.offset);
      const text = buffer.subarray(0, bytesRead).toString('utf8');
      const complete = text.lastIndexOf('\n') + 1; // a line being appended right now is read next time
      log.offset += Buffer.byteLength(text.slice(0, complete));
      for (const line of text.slice(0, complete).split('\n')) {
        const [at, token, count] = line.split(' ');
        if (!token) continue;
        if (token.startsWith('-')) {
          const live = (this.byToken.get(token.slice(1)) ?? []).filter((entry) => !entry.cancelled);
          for (const cancelled of live.slice(0, count === undefined ? undefined : Number(count))) cancelled.cancelled = true;
        } else {
          const entry = { at: Number(at), token, cancelled: false };
          log.entries.push(entry);
          this.byToken.set(token, [...(this.byToken.get(token) ?? []), entry]);
        }
      }
      return log.entries;
    } finally {
      if (handle !== appending) await handle.close();
    }
  }

  private forget(file: string): void {
    for (const entry of this.logs.get(file)?.entries ?? []) this.byToken.delete(entry.token);
    this.logs.delete(file);
  }

  private daysOfWindow(now: number): string[] {
    return [this.fileFor(now - dayMs), this.fileFor(now)];
  }

  private fileFor(time: number): string {
    return path.join(this.dir, `${new Date(time).toISOString().slice(0, 10)}.log`);
  }
}

function usageLogError(file: string, error: unknown): never {
  throw new StopError(
    `cannot write the account's daily usage log ${file}: ${(error as Error).message}; nothing more is sent until it can be written ` +
      `(free disk space, or make the folder writable), then run \`mailshot campaign resume\``,
  );
}
