import { hostname } from 'node:os';
import { link, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { LaterError, StopError } from '../errors.js';
import { stateFolderAdvice } from './state.js';

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

/**
 * Takes the campaign's lock so that two runs (a person and cron) never send at once.
 * The lock names its owner's pid: a lock whose owner is gone (SIGKILL, power loss) is taken over
 * at once rather than after it ages. Returns the release function.
 */
export async function acquireLock(file: string): Promise<() => Promise<void>> {
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const temp = `${file}.${process.pid}`;
  await writeFile(temp, JSON.stringify(owner), { mode: 0o600 }).catch((error: unknown) => {
    throw lockError(error, file);
  });
  try {
    for (let tries = 0; ; tries++) {
      try {
        await link(temp, file); // atomic: fails if the lock exists, never leaves a half-written one
        return async () => {
          await rm(file, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 0) throw lockError(error, file);
      }
      const current = await readOwner(file);
      if (current && isAlive(current)) {
        throw new LaterError(
          `this campaign is being sent by another mailshot (pid ${current.pid} on ${current.host}, since ${current.since}); ` +
            `nothing was sent. Wait for it to finish, or check \`mailshot campaign status\``,
        );
      }
      await rm(file, { force: true });
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** A lock from another host cannot be checked: it is respected. */
function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Another run taking the lock at the same moment is a reason to come back later; anything else (permissions, a full disk) is not. */
function lockError(error: unknown, file: string): Error {
  const message = `cannot take the campaign lock ${file}: ${(error as Error).message}`;
  if ((error as NodeJS.ErrnoException).code === 'EEXIST') return new LaterError(message);
  return new StopError(`${message}; ${stateFolderAdvice}`);
}

/** Whether a live process holds the lock: a campaign marked running without one was interrupted. */
export async function lockHeld(file: string): Promise<boolean> {
  const owner = await readOwner(file);
  return owner !== undefined && isAlive(owner);
}
