import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';

/** The pid of a process that has exited: a lock or a slot it names is free to take over. */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

/** A campaign lock's text naming `pid` on `host` as its owner since `since`. */
export function lockOwnedBy(pid: number, host = os.hostname(), since = new Date().toISOString()): string {
  return JSON.stringify({ pid, host, since });
}
