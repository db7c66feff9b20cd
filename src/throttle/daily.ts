import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from './clock.js';

const dayMs = 24 * 3_600_000;

export type Reservation = { ok: true } | { ok: false; freeAt: number };

/**
 * An account's sends over the rolling last 24 hours, shared by every campaign and process that uses the
 * account. Each send appends a line to a per-day log (`<dir>/<YYYY-MM-DD>.log`); appends are atomic, so
 * a sender takes its place in the file first and then counts the lines before its own. A line over the
 * limit is cancelled again. No lock is needed and two campaigns together never exceed the limit.
 */
export class DailyUsage {
  constructor(
    private readonly dir: string,
    private readonly limit: number | undefined,
    private readonly clock: Clock,
  ) {}

  /** Takes one send from the window, or says when the window frees one. */
  async reserve(): Promise<Reservation> {
    const now = this.clock.now();
    const token = randomUUID();
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await appendFile(this.fileFor(now), `${now} ${token}\n`, { mode: 0o600 });
    if (this.limit === undefined) return { ok: true };
    const entries = await this.window(now);
    const position = entries.findIndex((entry) => entry.token === token);
    if (position < this.limit) return { ok: true };
    await appendFile(this.fileFor(now), `${now} -${token}\n`);
    return { ok: false, freeAt: entries[position - this.limit].at + dayMs };
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
  async prune(): Promise<void> {
    const keep = new Set([this.fileFor(this.clock.now()), this.fileFor(this.clock.now() - dayMs)].map((file) => path.basename(file)));
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (name.endsWith('.log') && !keep.has(name)) await rm(path.join(this.dir, name), { force: true });
    }
  }

  private async window(now: number): Promise<{ at: number; token: string }[]> {
    const lines: string[] = [];
    for (const file of [this.fileFor(now - dayMs), this.fileFor(now)]) {
      const text = await readFile(file, 'utf8').catch(() => '');
      lines.push(...text.split('\n'));
    }
    const cancelled = new Set<string>();
    const entries: { at: number; token: string }[] = [];
    for (const line of lines) {
      const [at, token] = line.split(' ');
      if (!token) continue;
      if (token.startsWith('-')) cancelled.add(token.slice(1));
      else if (Number(at) > now - dayMs) entries.push({ at: Number(at), token });
    }
    return entries.filter((entry) => !cancelled.has(entry.token));
  }

  private fileFor(time: number): string {
    return path.join(this.dir, `${new Date(time).toISOString().slice(0, 10)}.log`);
  }
}
