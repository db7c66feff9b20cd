import type { Clock } from './clock.js';
import { OwnerFiles } from './owner-file.js';

/** How long a slot this process is done with stays its own, for its next message (its connection stays open). */
const lingerMs = 250;
/** Longest pause between two looks for a free slot. */
const maxPollMs = 100;

/**
 * An account's concurrency, shared by every mailshot process that sends through it on this machine: slot
 * files `<n>.slot` (n below the limit) in the account's folder, each held by one live process (owner-file.ts).
 * A process that dies frees its slots at once (the next taker sees its owner gone). A slot a process is done
 * with lingers for its next message; when it is given back, `closeIdle` first closes the process's idle
 * connections, so the server never sees more connections than there are slots.
 */
export class AccountSlots {
  private readonly files: OwnerFiles;
  /** Slots this process holds (busy or lingering). */
  private readonly held = new Set<number>();
  private readonly lingering = new Map<number, NodeJS.Timeout>();

  constructor(
    dir: string,
    private readonly clock: Clock,
    private readonly closeIdle: () => Promise<void> = async () => undefined,
  ) {
    this.files = new OwnerFiles(dir);
  }

  /** Waits for a slot below `limit` (one this process holds already first); an abort ends the wait. */
  async take(limit: number, signal?: AbortSignal): Promise<number> {
    for (let waitMs = 5; ; waitMs = Math.min(maxPollMs, waitMs * 2)) {
      const index = await this.tryTake(limit);
      if (index !== undefined) return index;
      await this.clock.sleep(waitMs, signal);
    }
  }

  /** A free slot below `limit` now (one this process holds already first), or undefined without waiting. */
  private async tryTake(limit: number): Promise<number | undefined> {
    const kept = [...this.lingering.keys()].find((index) => index < limit);
    if (kept !== undefined) {
      clearTimeout(this.lingering.get(kept));
      this.lingering.delete(kept);
      return kept;
    }
    for (let index = 0; index < limit; index++) {
      if (this.held.has(index) || !(await this.files.take(`${index}.slot`))) continue;
      this.held.add(index);
      return index;
    }
    return undefined;
  }

  /** This process is done with the slot: it lingers for the next message, then goes back to every process. */
  done(index: number): void {
    const timer = setTimeout(() => void this.giveBack(index), lingerMs);
    timer.unref();
    this.lingering.set(index, timer);
  }

  /** Gives every slot back (the run ends). */
  async close(): Promise<void> {
    for (const timer of this.lingering.values()) clearTimeout(timer);
    this.lingering.clear();
    this.held.clear();
    await this.files.close();
  }

  /** The pids holding the account's slots now, one per slot in use (for `status` and `accounts list`). */
  static inUse(dir: string): Promise<number[]> {
    return new OwnerFiles(dir).holders('.slot');
  }

  private async giveBack(index: number): Promise<void> {
    if (!this.lingering.delete(index)) return;
    await this.closeIdle().catch(() => undefined);
    this.held.delete(index);
    await this.files.give(`${index}.slot`);
  }
}
