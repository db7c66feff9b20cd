/**
 * A full disk under the journal, for real: the state folder is on a small tmpfs mounted for this test,
 * filled up while a campaign is being sent to a real SMTP server. Mounting needs root (CI and this
 * project's machines run tests as root); elsewhere the test is skipped and says why.
 *
 * The promise (docs/design.md, "Store"): an `attempt` line is on disk before its message is handed over, so
 * once the journal cannot be written nothing more is handed over; the run exits 1 saying so, and after
 * space is freed `resume` completes, resending only recipients left in doubt, with their Message-ID.
 * (EIO takes the same path, a failed write or fsync; no test device produces it on demand.)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Journal } from '../src/store/journal.js';
import { collect, recipientsCsv, runCli, startCli, writeCampaign } from './helpers/cli.js';
import { addAccount, fileSecretsEnv, receivedCounts, smtpServersPerTest, until } from './helpers/smtp.js';
import { reportJson } from './helpers/report.js';
import { journalFile } from './helpers/journal.js';

const run = promisify(execFile);
const recipients = 800;
const concurrency = 4;

/** A 512 KB tmpfs (the journal of this campaign needs about 150 KB), or undefined where mounting is not allowed. */
async function mountSmallDisk(): Promise<string | undefined> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailshot-small-disk-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=512k,mode=0700', 'tmpfs', dir]);
    return dir;
  } catch {
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
}

/** Takes every free block of the file system under `dir`; returns the filler file. */
async function fillDisk(dir: string): Promise<string> {
  const filler = path.join(dir, 'filler');
  const handle = await open(filler, 'w');
  const block = Buffer.alloc(4096, 0x78);
  try {
    for (;;) await handle.write(block);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    await handle.close();
  }
  return filler;
}

/** Complete lines of the journal (what follows the last newline is a torn write), and each recipient's last event. */
async function readJournal(file: string): Promise<{ events: { ev: string; to?: string }[]; last: Map<string, string> }> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  lines.pop();
  const events = lines.map((line) => JSON.parse(line) as { ev: string; to?: string });
  const last = new Map<string, string>();
  for (const event of events) if (event.to) last.set(event.to, event.ev);
  return { events, last };
}

const disk = await mountSmallDisk();
afterAll(async () => {
  if (!disk) return;
  await run('umount', [disk]);
  await rm(disk, { recursive: true, force: true });
});
const onSmallDisk = disk ? test : test.skip;
if (!disk) process.stderr.write('journal-full.test.ts: skipped, mounting a tmpfs needs root\n');

describe('the journal on a full disk', () => {
  onSmallDisk('a line that only partly fits is not reported as written (a short write is not a success)', async () => {
    const file = path.join(disk!, 'partial.jsonl');
    const journal = await Journal.open(file, () => undefined);
    const line = (bytes: number) => ({ ev: 'failed', to: 'r1@example.com', at: 0, kind: 'transient', text: 'x'.repeat(bytes) }) as const;
    await journal.append(line(1000)); // takes the file's first 4 KB page
    const filler = await fillDisk(disk!);
    try {
      // The page has room for about 3 KB: the kernel takes that much of the line, then reports no space.
      await expect(journal.append(line(5000))).rejects.toThrow(/cannot write the journal .*: ENOSPC/);
      await expect(journal.append(line(10))).rejects.toThrow(/Nothing more is sent/); // and nothing after it
    } finally {
      await journal.close();
      await rm(filler);
    }
  });
});

describe('the disk under the journal fills up while sending', () => {
  const startServer = smtpServersPerTest();

  onSmallDisk(
    'stops handing messages over at once, exits 1 saying why; after space is freed resume completes',
    async () => {
      const server = await startServer();
      const env = await fileSecretsEnv();
      await addAccount(env, 'smtp1', server, { args: ['--max-concurrent', String(concurrency)] });
      const campaign = await writeCampaign({ csv: recipientsCsv(recipients) });
      const stateDir = path.join(disk!, 'state');
      const journalPath = journalFile(stateDir);

      const sender = startCli(['campaign', 'send', campaign.file, '--via', 'smtp1', '--state', stateDir], { env });
      const exited = collect(sender);
      expect(await until(() => server.received.length >= 100, 30_000)).toBe(true);
      const filler = await fillDisk(disk!);
      const stopped = await exited;

      expect(stopped.stderr).not.toMatch(/unexpected error|\n\s+at /);
      expect(stopped.stderr).toMatch(/cannot write the journal .*journal\.jsonl: ENOSPC: no space left on device/);
      expect(stopped.stderr).toContain('mailshot campaign resume');
      expect(stopped.code).toBe(1);
      const handedOver = server.received.length;
      expect(handedOver).toBeLessThan(recipients);

      // Every message the server got has its `attempt` line on disk; at most the ones in flight lack an outcome.
      const { events, last } = await readJournal(journalPath);
      const attempted = new Set(events.filter((event) => event.ev === 'attempt').map((event) => event.to));
      expect(server.received.filter((message) => !attempted.has(message.to[0])).map((message) => message.to[0])).toEqual([]);
      const inDoubt = new Set([...last].filter(([, ev]) => ev === 'attempt').map(([to]) => to));
      expect(inDoubt.size).toBeLessThanOrEqual(concurrency);
      expect(server.received.filter((message) => last.get(message.to[0]) !== 'sent' && !inDoubt.has(message.to[0]))).toEqual([]);

      // Still full: resume refuses the same way and hands nothing over.
      const stillFull = await runCli(['campaign', 'resume', campaign.file, '--state', stateDir], { env });
      expect(stillFull.code).toBe(1);
      expect(stillFull.stderr).toMatch(/no space left on device/);
      expect(stillFull.stderr).not.toMatch(/unexpected error/);
      expect(server.received.length).toBe(handedOver);

      await rm(filler);
      const resumed = await runCli(['campaign', 'resume', campaign.file, '--state', stateDir], { env });
      expect(resumed.stderr).not.toMatch(/unexpected error/);
      expect(resumed.code).toBe(0);

      // Everyone delivered; a second delivery only for a recipient in doubt when the disk filled, with the same Message-ID.
      const counts = receivedCounts(server);
      expect(counts.size).toBe(recipients);
      const twice = [...counts].filter(([, count]) => count > 1).map(([to]) => to);
      expect(twice.every((to) => inDoubt.has(to))).toBe(true);
      for (const to of twice) {
        expect(new Set(server.received.filter((message) => message.to[0] === to).map((message) => message.messageId)).size).toBe(1);
      }
      const report = await reportJson(campaign.file, ['--state', stateDir], { env });
      expect(report.status).toBe('done');
      expect(report.totals).toMatchObject({ sent: recipients, failed: 0, pending: 0, in_doubt: 0, deferred: 0 });
    },
    120_000,
  );
});
