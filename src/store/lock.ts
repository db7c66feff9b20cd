import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { LaterError, StopError } from '../errors.js';
import { ownerLiveness, type Liveness, type LockOwner } from '../system/lock-owner.js';
import { stateFolderAdvice } from './state.js';
import { localTime } from '../system/local-time.js';

/** How many take-overs of one stale lock may have died half-way before we give up and ask for `campaign unlock`. */
const maxBreakers = 8;

export interface LockInfo {
  owner: LockOwner;
  liveness: Liveness;
  /** Milliseconds since the owner took the lock. */
  ageMs: number;
}

/**
 * Takes the campaign's lock so that two runs (a person and cron) never send at once. The lock is created
 * with link(), which fails when it exists. A lock whose owner is gone (SIGKILL, power loss) is taken over
 * at once, but only by one process: see breakStale(). Returns the release function.
 */
export async function acquireLock(file: string): Promise<() => Promise<void>> {
  const mine = JSON.stringify({
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  } satisfies LockOwner);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temp, mine, { mode: 0o600 }).catch((error: unknown) => {
    throw lockError(error, file);
  });
  try {
    for (let tries = 0; ; tries++) {
      try {
        await link(temp, file); // atomic: fails if the lock exists, never leaves a half-written one
        return () => releaseIfMine(file, mine);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries > maxBreakers) throw lockError(error, file);
      }
      const current = await readLock(file);
      if (current === undefined) continue; // released meanwhile
      const info = describe(current);
      if (info.liveness !== 'dead') throw lockedError(file, info);
      await breakStale(file, current, temp);
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Who holds the lock, if anyone. */
export async function readLockInfo(file: string): Promise<LockInfo | undefined> {
  const current = await readLock(file);
  return current === undefined ? undefined : describe(current);
}

/**
 * `campaign unlock`: removes a lock whose owner cannot be checked (another host, a pid now used by
 * another program). Refuses while the owner is provably a live process on this host.
 */
export async function unlock(file: string): Promise<LockInfo | undefined> {
  const current = await readLock(file);
  if (current === undefined) return undefined;
  const info = describe(current);
  if (info.liveness === 'alive') throw lockedError(file, info);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temp, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString(), token: 'unlock' }), {
    mode: 0o600,
  });
  try {
    await breakStale(file, current, temp);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return info;
}

/**
 * Removes the lock only if it still holds `content` (the dead owner's). Checking and removing are two
 * steps, so the pair runs under a "breaker" file created with link(): only one process at a time may
 * break a given stale lock, and it removes nothing but the lock it saw dead. A breaker left by a process
 * that died mid-take-over is passed by (the next numbered breaker). The new owner then links its own lock
 * as usual, racing fairly with anyone else.
 */
async function breakStale(file: string, content: string, temp: string): Promise<void> {
  const base = `${file}.break-${createHash('sha256').update(content).digest('hex').slice(0, 16)}`;
  for (let k = 1; k <= maxBreakers; k++) {
    const breaker = `${base}.${k}`;
    try {
      await link(temp, breaker);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw lockError(error, file);
      const holder = await readLock(breaker);
      if (holder === undefined) return; // its holder finished and cleaned up: look at the lock again
      if (describe(holder).liveness !== 'dead')
        throw new LaterError(`another mailshot is taking over the stale lock ${file} right now; nothing was sent. Try again in a moment`);
      continue;
    }
    try {
      if ((await readLock(file)) === content) await unlink(file);
    } finally {
      for (let j = k; j >= 1; j--) await unlink(`${base}.${j}`).catch(() => undefined);
    }
    return;
  }
  throw new LaterError(
    `cannot take over the stale lock ${file}: ${maxBreakers} take-overs died half-way; run \`mailshot campaign unlock\` on the campaign`,
  );
}

async function releaseIfMine(file: string, mine: string): Promise<void> {
  if ((await readLock(file)) === mine) await unlink(file).catch(() => undefined);
}

async function readLock(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw lockError(error, file);
  }
}

/** A lock that cannot be read as an owner (empty, damaged) was left by a crash while it was written: its owner is gone. */
function describe(content: string): LockInfo {
  let owner: LockOwner;
  try {
    owner = JSON.parse(content) as LockOwner;
    if (typeof owner.pid !== 'number' || typeof owner.host !== 'string') throw new Error('not an owner');
  } catch {
    return { owner: { pid: 0, host: hostname(), since: '' }, liveness: 'dead', ageMs: 0 };
  }
  const since = Date.parse(owner.since);
  return { owner, liveness: ownerLiveness(owner), ageMs: Number.isNaN(since) ? 0 : Date.now() - since };
}

function lockedError(file: string, { owner, liveness, ageMs }: LockInfo): LaterError {
  const who = `pid ${owner.pid} on ${owner.host}, since ${owner.since ? localTime(owner.since, { seconds: true }) : '?'} (${Math.round(ageMs / 60_000)} min ago)`;
  const advice =
    liveness === 'elsewhere'
      ? `if that machine (or container) is gone, run \`mailshot campaign unlock\` on the campaign (lock file ${file})`
      : 'wait for it to finish, or check `mailshot campaign status`';
  return new LaterError(
    `this campaign is being sent by another mailshot (${who}); nothing was sent. ${advice[0]!.toUpperCase()}${advice.slice(1)}`,
  );
}

/** Another run taking the lock at the same moment is a reason to come back later; anything else (permissions, a full disk) is not. */
function lockError(error: unknown, file: string): Error {
  const message = `cannot take the campaign lock ${file}: ${(error as Error).message}`;
  if ((error as NodeJS.ErrnoException).code === 'EEXIST') return new LaterError(message);
  return new StopError(`${message}; ${stateFolderAdvice}`);
}
