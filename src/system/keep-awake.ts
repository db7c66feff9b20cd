import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { onPath, spawnDetached, type Runner } from './commands.js';

export interface KeepAwakeOptions {
  platform?: NodeJS.Platform;
  pid?: number;
  run?: Runner;
  has?: (command: string) => boolean;
  /** Whether systemd is the running init (injected in tests). */
  systemdRunning?: boolean;
}

/**
 * Keeps the machine from sleeping (the display may still sleep) while a send runs. The helper watches
 * our pid, so it ends with us even if we are killed. Returns the function that lets the machine sleep again.
 */
export function keepAwake(why: string, options: KeepAwakeOptions = {}): () => void {
  const pid = options.pid ?? process.pid;
  const has = options.has ?? ((command: string) => onPath(command));
  const platform = options.platform ?? process.platform;
  const systemd = options.systemdRunning ?? existsSync('/run/systemd/system');
  const run = options.run ?? spawnDetached;
  let helper: ChildProcess | undefined;
  if (platform === 'darwin' && has('caffeinate')) {
    helper = run('caffeinate', ['-i', '-w', String(pid)]);
  } else if (platform === 'linux' && systemd && has('systemd-inhibit')) {
    helper = run('systemd-inhibit', [
      '--what=sleep',
      '--who=mailshot',
      `--why=${why}`,
      '--mode=block',
      'tail',
      `--pid=${pid}`,
      '-f',
      '/dev/null',
    ]);
  }
  return () => {
    helper?.kill();
  };
}
