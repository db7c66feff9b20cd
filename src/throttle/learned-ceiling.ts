import { rm } from 'node:fs/promises';
import path from 'node:path';
import { readOwnerOnly, writeOwnerOnly } from '../system/owner-only.js';
import { makeFolder } from '../system/make-folder.js';

/** How long a refused concurrency is remembered: a server's limits change, but not from one run to the next. */
export const learnedCeilingDays = 7;
const dayMs = 86_400_000;

/** A concurrency the account's server refused: how many at once, the reply that refused it, until when it holds. */
export interface Learned {
  concurrency: number;
  why: string;
  learnedAt: string;
  expiresAt: string;
}

/**
 * The concurrency an account's server refused (too many connections at once), remembered in the config
 * folder (`learned/<account>.json`) so the account's next runs start below it instead of being refused
 * again. It expires after a week; a limit the person gives (`accounts set --max-concurrent`) replaces it at
 * once, and `accounts set --forget-learned` clears it.
 */
export class LearnedCeiling {
  private constructor(
    private readonly file: string,
    readonly learned: Learned | undefined,
  ) {}

  get concurrency(): number | undefined {
    return this.learned?.concurrency;
  }

  static async load(configDir: string, account: string, now = Date.now()): Promise<LearnedCeiling> {
    const file = fileOf(configDir, account);
    let learned: Partial<Learned> | undefined;
    try {
      learned = JSON.parse((await readOwnerOnly(file)) ?? 'null') as Partial<Learned> | undefined;
    } catch {
      learned = undefined; // unreadable, a link or another user's: nothing learned
    }
    const valid =
      learned && Number.isInteger(learned.concurrency) && learned.concurrency! >= 1 && Date.parse(learned.expiresAt ?? '') > now;
    return new LearnedCeiling(file, valid ? ({ why: '', ...learned } as Learned) : undefined);
  }

  /** Forgets what was learned for the account (a limit the person gave replaces it). */
  static async forget(configDir: string, account: string): Promise<void> {
    await rm(fileOf(configDir, account), { force: true });
  }

  private writing: Promise<void> = Promise.resolve();

  /**
   * Remembers a refused concurrency and the reply that refused it (best effort: a read-only config folder only
   * loses the memory). Writes go one after the other, so the last cap of a burst of refusals is the one kept.
   */
  remember(concurrency: number, why: string, now = Date.now()): Promise<void> {
    this.writing = this.writing.then(() => this.write(concurrency, why, now));
    return this.writing;
  }

  private async write(concurrency: number, why: string, now: number): Promise<void> {
    const learned: Learned = {
      concurrency,
      why: why.slice(0, 200),
      learnedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + learnedCeilingDays * dayMs).toISOString(),
    };
    try {
      await makeFolder(path.dirname(this.file), 0o700);
      await writeOwnerOnly(this.file, JSON.stringify(learned) + '\n');
    } catch {
      // the run goes on at the capped concurrency; only the next run does not know
    }
  }
}

function fileOf(configDir: string, account: string): string {
  return path.join(configDir, 'learned', `${encodeURIComponent(account)}.json`);
}
