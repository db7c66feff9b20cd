import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { readOwnerOnly, writeOwnerOnly } from '../system/owner-only.js';

/** How long a refused concurrency is remembered: a server's limits change, but not from one run to the next. */
export const learnedCeilingDays = 7;
const dayMs = 86_400_000;

interface Learned {
  concurrency: number;
  learnedAt: string;
  expiresAt: string;
}

/**
 * The concurrency an account's server refused (too many connections at once), remembered in the config
 * folder (`learned/<account>.json`) so the account's next runs start below it instead of being refused
 * again. It expires after a week; `accounts set --max-concurrent` does not clear it, the expiry does.
 */
export class LearnedCeiling {
  private constructor(
    private readonly file: string,
    readonly concurrency: number | undefined,
  ) {}

  static async load(configDir: string, account: string, now = Date.now()): Promise<LearnedCeiling> {
    const file = path.join(configDir, 'learned', `${encodeURIComponent(account)}.json`);
    let learned: Partial<Learned> | undefined;
    try {
      learned = JSON.parse((await readOwnerOnly(file)) ?? 'null') as Partial<Learned> | undefined;
    } catch {
      learned = undefined; // unreadable, a link or another user's: nothing learned
    }
    const valid =
      learned && Number.isInteger(learned.concurrency) && learned.concurrency! >= 1 && Date.parse(learned.expiresAt ?? '') > now;
    return new LearnedCeiling(file, valid ? learned!.concurrency : undefined);
  }

  /** Remembers a refused concurrency (best effort: a read-only config folder only loses the memory). */
  async remember(concurrency: number, now = Date.now()): Promise<void> {
    const learned: Learned = {
      concurrency,
      learnedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + learnedCeilingDays * dayMs).toISOString(),
    };
    try {
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      await writeOwnerOnly(this.file, JSON.stringify(learned) + '\n');
    } catch {
      // the run goes on at the capped concurrency; only the next run does not know
    }
  }
}
