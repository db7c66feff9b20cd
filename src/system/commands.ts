import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** Starts a helper program; injected in tests to see exactly which commands would run. */
export type Runner = (command: string, args: string[], env?: NodeJS.ProcessEnv) => ChildProcess;

export const spawnDetached: Runner = (command, args, env) => {
  const child = spawn(command, args, { stdio: 'ignore', env: env ?? process.env });
  child.on('error', () => undefined); // a helper that fails to start is skipped silently
  child.unref();
  return child;
};

/** Whether a program is on the PATH (the helpers are optional: where they are missing, nothing happens). */
export function onPath(command: string, searchPath = process.env.PATH ?? ''): boolean {
  return searchPath.split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
