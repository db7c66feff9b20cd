import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** What a lock or slot file says about the process that holds it (campaign locks, account slots). */
export interface LockOwner {
  pid: number;
  host: string;
  /** When the lock was taken (ISO). */
  since: string;
  /** Random per run: two locks never have the same content. */
  token?: string;
}

/** alive: a process on this host that can be the owner; dead: provably gone; elsewhere: another host, cannot be checked. */
export type Liveness = 'alive' | 'dead' | 'elsewhere';

export function ownerLiveness(owner: LockOwner): Liveness {
  if (owner.host !== hostname()) return 'elsewhere';
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return 'dead';
  }
  // A process that started after the lock was taken is not its owner: the pid was reused (after a reboot, say).
  const started = processStartTime(owner.pid);
  const since = Date.parse(owner.since);
  return started !== undefined && !Number.isNaN(since) && started > since + 2000 ? 'dead' : 'alive';
}

/** Epoch ms when the process started, from /proc (Linux); undefined elsewhere. */
function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]); // field 22 of the whole line: start time in clock ticks after boot
    const bootTime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(bootTime)) return undefined;
    return bootTime * 1000 + (ticks / 100) * 1000; // USER_HZ is 100 on every Linux build that matters
  } catch {
    return undefined;
  }
}
