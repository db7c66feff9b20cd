/**
 * What the fault trials share: the SMTP server in a process of its own (test/servers/smtp-process.ts),
 * its log of accepted messages, and the checks made at the end of every trial by Message-ID at the server.
 */
import { fork } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';
import type { Env } from '../helpers/smtp.js';

export interface ServerProcess {
  port: number;
  logFile: string;
  /** Sessions open now: 0 once a killed sender's connections are gone and their last messages are logged. */
  connections(): Promise<number>;
  stop(): void;
}

export interface ServerProcessOptions {
  delayMs?: number;
  storeThenDrop?: { rate: number; seed: number };
}

export async function startServerProcess(options: ServerProcessOptions = {}, logFile?: string): Promise<ServerProcess> {
  const log = logFile ?? path.join(await tempDir('mailshot-server-'), 'accepted.jsonl');
  await writeFile(log, '', { flag: 'a' });
  const child = fork(path.join(repoRoot, 'test/servers/smtp-process.ts'), [log, JSON.stringify(options)], {
    execArgv: ['--import', pathToFileURL(path.join(repoRoot, 'test/servers/ts-loader.mjs')).href],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const reply = <T>() =>
    new Promise<T>((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`the SMTP server process exited (${code})`));
      child.once('exit', exited);
      child.once('message', (message) => {
        child.off('exit', exited);
        resolve(message as T);
      });
    });
  const { port } = await reply<{ port: number }>();
  return {
    port,
    logFile: log,
    connections: async () => {
      const answer = reply<{ connections: number }>();
      child.send('connections?');
      return (await answer).connections;
    },
    stop: () => child.disconnect(),
  };
}

export interface AcceptedMessage {
  to: string;
  messageId: string;
}

export async function readLog(logFile: string): Promise<AcceptedMessage[]> {
  return (await readFile(logFile, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AcceptedMessage);
}

/** Waits until the server has no session open: what a stopped sender handed over is then in the log. */
export async function settled(server: ServerProcess): Promise<void> {
  for (let waited = 0; (await server.connections()) > 0; waited += 20) {
    if (waited > 10_000) throw new Error('the SMTP server still has sessions 10 s after the sender stopped');
    await sleep(20);
  }
}

export interface ReportJson {
  status: string;
  totals: { sent: number; failed: number; pending: number; in_doubt: number; deferred: number; skipped: number };
  recipients: { recipient: string; status: string }[];
}

export async function reportOf(file: string, env: Env): Promise<ReportJson> {
  const result = await runCli(['report', file, '--format', 'json'], { env });
  if (result.code !== 0) throw new Error(`report failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as ReportJson;
}

/** The recipients the report has in doubt. */
export async function inDoubtNow(file: string, env: Env): Promise<Set<string>> {
  return new Set((await reportOf(file, env)).recipients.filter((r) => r.status === 'in_doubt').map((r) => r.recipient));
}

/**
 * The promise, checked at the server: every recipient arrived (nobody lost); each recipient's copies
 * carry one Message-ID; a recipient received more than once was reported in doubt at least once for
 * every extra copy. Returns what to print.
 */
export function expectExactlyOnceOrInDoubt(
  log: AcceptedMessage[],
  recipients: string[],
  reportedInDoubt: Map<string, number>,
): { duplicates: number } {
  const copies = new Map<string, AcceptedMessage[]>();
  for (const message of log) copies.set(message.to, [...(copies.get(message.to) ?? []), message]);
  expect([...recipients].filter((to) => !copies.has(to))).toEqual([]); // nobody lost
  expect([...copies.keys()].filter((to) => !recipients.includes(to))).toEqual([]);
  const wrong: string[] = [];
  let duplicates = 0;
  for (const [to, messages] of copies) {
    if (new Set(messages.map((message) => message.messageId)).size !== 1)
      wrong.push(`${to}: ${messages.length} copies with different Message-IDs`);
    if (messages.length - 1 > (reportedInDoubt.get(to) ?? 0))
      wrong.push(`${to}: ${messages.length} copies, reported in doubt ${reportedInDoubt.get(to) ?? 0} time(s)`);
    duplicates += messages.length - 1;
  }
  expect(wrong).toEqual([]);
  return { duplicates };
}

export function recipientList(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `r${index}@example.com`);
}
