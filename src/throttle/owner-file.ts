import { randomBytes } from 'node:crypto';
import { link, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { StopError } from '../errors.js';
import { ownerLiveness, type LockOwner } from '../system/lock-owner.js';
import { makeFolder } from '../system/make-folder.js';

/**
 * Files that say "this process holds it" (an account's concurrency slots, its rate bucket's lock), in one
 * folder shared by every mailshot process of the user. Each process writes its owner (pid, host, since) once
 * to a file of its own and takes a name by linking that file to it: link() fails when the name exists, so a
 * name is never held twice and never half-written. A name whose owner process is gone is taken over at once.
 */
export class OwnerFiles {
  private readonly mine: string;
  private ready?: Promise<string>;

  constructor(readonly dir: string) {
    this.mine = JSON.stringify({
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
      token: randomBytes(8).toString('hex'),
    } satisfies LockOwner);
  }

  /** Takes `name` if it is free or its owner is gone; false while a live process holds it. */
  async take(name: string): Promise<boolean> {
    const source = await this.ownerFile();
    const file = path.join(this.dir, name);
    for (let tries = 0; tries < 2; tries++) {
      try {
        await link(source, file);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw folderError(this.dir, error);
      }
      if (!(await this.breakIfDead(file))) return false;
    }
    return false;
  }

  /** Gives `name` back (only if this process still holds it). */
  async give(name: string): Promise<void> {
    const file = path.join(this.dir, name);
    if ((await readOwner(file)) === this.mine) await unlink(file).catch(() => undefined);
  }

  /** Processes that hold names ending in `suffix` now: their pids (one per name; gone owners are not counted). */
  async holders(suffix: string): Promise<number[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const pids: number[] = [];
    for (const name of names.filter((entry) => entry.endsWith(suffix))) {
      const owner = parseOwner(await readOwner(path.join(this.dir, name)));
      if (owner && ownerLiveness(owner) !== 'dead') pids.push(owner.pid);
    }
    return pids;
  }

  /** Removes every file this process wrote (its owner file; names it still holds). */
  async close(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) await this.give(name);
    if (this.ready) await unlink(await this.ready).catch(() => undefined);
  }

  private ownerFile(): Promise<string> {
    this.ready ??= (async () => {
      await makeFolder(this.dir, 0o700).catch((error: unknown) => {
        throw folderError(this.dir, error);
      });
      await this.pruneDeadOwners();
      const file = path.join(this.dir, `.owner-${process.pid}-${randomBytes(4).toString('hex')}`);
      await writeFile(file, this.mine, { mode: 0o600 });
      return file;
    })();
    return this.ready;
  }

  /** Owner files of processes that died (SIGKILL, power loss) are removed by the next process. */
  private async pruneDeadOwners(): Promise<void> {
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (!name.startsWith('.owner-')) continue;
      const owner = parseOwner(await readOwner(path.join(this.dir, name)));
      if (!owner || ownerLiveness(owner) === 'dead') await unlink(path.join(this.dir, name)).catch(() => undefined);
    }
  }

  /**
   * Removes a name whose owner is gone. Reading and removing are two steps: the removal goes through a rename
   * to a name of our own, and the renamed file is checked again — had another process taken the name over in
   * between (a live owner), its file is linked back.
   */
  private async breakIfDead(file: string): Promise<boolean> {
    const seen = await readOwner(file);
    if (seen === undefined) return true; // given back meanwhile
    if (seen === this.mine) return false; // held by this process
    const owner = parseOwner(seen);
    if (owner && ownerLiveness(owner) !== 'dead') return false;
    const aside = `${file}.${randomBytes(4).toString('hex')}.gone`;
    try {
      await rename(file, aside);
    } catch {
      return true; // someone else removed it first: try again
    }
    if ((await readOwner(aside)) !== seen) await link(aside, file).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    return true;
  }
}

/** A folder the account's limits cannot be kept in stops the run: sending without them could overrun the server. */
function folderError(dir: string, error: unknown): StopError {
  return new StopError(
    `cannot keep the account's sending slots in ${dir}: ${(error as Error).message}; nothing more is sent until it can be written ` +
      `(free disk space, or make the folder writable), then run \`mailshot campaign resume\``,
  );
}

async function readOwner(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}

/** An owner that cannot be read (damaged, empty) was left by a crash: treated as gone. */
function parseOwner(text: string | undefined): LockOwner | undefined {
  try {
    const owner = JSON.parse(text ?? '') as LockOwner;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
}
