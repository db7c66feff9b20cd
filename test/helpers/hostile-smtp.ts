/** Starts test/servers/hostile-smtp.ts (or hostile-imap.ts) in a process of its own; stopped after each test. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './cli.js';

export interface HostileOptions {
  mechanisms?: string[];
  echoAuth?: 'refuse' | 'later';
  trickle?: { after: string; intervalMs: number };
  rcptReply?: string;
}

export interface HostileImapOptions {
  trickle?: { intervalMs: number };
}

export interface HostileServer {
  host: string;
  port: number;
  /** Resolves once the server has read this command (EHLO, AUTH …). */
  seen(command: string): Promise<void>;
}

export function hostileServersPerTest(): (options: HostileOptions) => Promise<HostileServer>;
export function hostileServersPerTest(script: 'hostile-imap.ts'): (options: HostileImapOptions) => Promise<HostileServer>;
export function hostileServersPerTest(
  script = 'hostile-smtp.ts',
): (options: HostileOptions | HostileImapOptions) => Promise<HostileServer> {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill();
  });
  return async (options) => {
    const child = fork(path.join(repoRoot, 'test/servers', script), [JSON.stringify(options)], {
      execArgv: ['--import', pathToFileURL(path.join(repoRoot, 'test/servers/ts-loader.mjs')).href],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    const seen = new Set<string>();
    const waiting = new Map<string, () => void>();
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
      child.on('message', (message: { port?: number; seen?: string }) => {
        if (message.port) resolve(message.port);
        if (message.seen) {
          seen.add(message.seen);
          waiting.get(message.seen)?.();
        }
      });
    });
    return {
      host: '127.0.0.1',
      port,
      seen: (command) => (seen.has(command) ? Promise.resolve() : new Promise((resolve) => waiting.set(command, resolve))),
    };
  };
}
