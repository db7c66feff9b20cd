import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from './clock.js';
import { OwnerFiles } from './owner-file.js';

const lockName = 'rate.lock';
const nextName = 'rate.next';

/**
 * The account's rate, shared by every mailshot process that sends through it on this machine: one file
 * holds the time the next message may go, and each sender takes its turn from it under a short lock
 * (owner-file.ts: a lock left by a process that died is taken over at once).
 */
export class SharedRate {
  private readonly files: OwnerFiles;

  constructor(
    dir: string,
    private readonly clock: Clock,
  ) {
    this.files = new OwnerFiles(dir);
  }

  /** The time this sender may send: not before `earliest`, and `intervalMs` after the account's previous turn. */
  async claim(earliest: number, intervalMs: number, signal?: AbortSignal): Promise<number> {
    for (let waitMs = 1; !(await this.files.take(lockName)); waitMs = Math.min(20, waitMs * 2)) await this.clock.sleep(waitMs, signal);
    try {
      const file = path.join(this.files.dir, nextName);
      const next = Number(await readFile(file, 'utf8').catch(() => '0')) || 0;
      const turn = Math.max(earliest, next);
      await writeFile(file, String(turn + intervalMs), { mode: 0o600 });
      return turn;
    } finally {
      await this.files.give(lockName);
    }
  }

  async close(): Promise<void> {
    await this.files.close();
  }
}
