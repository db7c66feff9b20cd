import type { ChildProcess } from 'node:child_process';
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { collect, recipientsCsv, runCli, startCli, writeCampaign, type CampaignFixture, type CliResult } from './helpers/cli.js';
import { journalFile, journalText, parseJournal, type JournalLine } from './helpers/journal.js';
import { deadPid, lockOwnedBy } from './helpers/processes.js';
import { reportJson } from './helpers/report.js';
import { runInProcess } from './helpers/in-process.js';

/** The outbox's default `maxConcurrent`: at most this many recipients are handed over at once. */
const inFlight = 4;

/** Every line of journal.jsonl, parsed: a line that is not JSON, or a last line cut short, fails the test. */
async function journal(campaign: CampaignFixture): Promise<JournalLine[]> {
  const text = await journalText(campaign.stateDir);
  expect(text.endsWith('\n')).toBe(true);
  return parseJournal(text);
}

async function outboxFiles(campaign: CampaignFixture): Promise<string[]> {
  try {
    return await readdir(campaign.outbox);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Polls the outbox until it holds `count` messages; fails if the sender exits first. */
async function waitForMessages(campaign: CampaignFixture, child: ChildProcess, count: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const written = (await outboxFiles(campaign)).filter((name) => name.endsWith('.eml')).length;
    if (written >= count) return written;
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the sender exited (${child.exitCode ?? child.signalCode}) with ${written} message(s) written, before ${count}`);
    if (Date.now() > deadline) throw new Error(`only ${written} message(s) written after 30 s`);
    await sleep(10);
  }
}

interface Totals {
  status: string;
  sent: number;
  failed: number;
  pending: number;
  in_doubt: number;
  deferred: number;
}

/** `report --format json`: the campaign's status and its totals. */
async function reportTotals(campaign: CampaignFixture): Promise<Totals> {
  const json = await reportJson<{ status: string; totals: Omit<Totals, 'status'> }>(campaign.file);
  return { ...json.totals, status: json.status };
}

/** `campaign resume` until it exits 0 (75 means "later": run it again). */
async function resumeUntilDone(campaign: CampaignFixture): Promise<CliResult[]> {
  const runs: CliResult[] = [];
  for (let run = 0; run < 5; run++) {
    const result = await runCli(['campaign', 'resume', campaign.file]);
    runs.push(result);
    expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
    if (result.code === 0) return runs;
    expect(result.code).toBe(75);
  }
  throw new Error(`resume did not finish in 5 runs:\n${runs.map((run) => run.stderr).join('\n')}`);
}

/** The outbox holds only whole messages, exactly one for each of the recipients r0 … r(count-1). */
async function expectOneMessageEach(campaign: CampaignFixture, count: number): Promise<void> {
  const files = await outboxFiles(campaign);
  expect(files.filter((name) => !name.endsWith('.eml'))).toEqual([]); // no temporary file of a killed write
  expect(files).toHaveLength(count);
  const addressees = await Promise.all(
    files.map(async (name) => /^To: (?:.*<)?([^<>\s]+)>?\r?$/m.exec(await readFile(path.join(campaign.outbox, name), 'utf8'))?.[1]),
  );
  expect(new Set(addressees).size).toBe(count);
  expect(new Set(addressees)).toEqual(new Set(Array.from({ length: count }, (_, index) => `r${index}@example.com`)));
}

/** Per recipient: how many `attempt` lines, and the last event. */
function attemptsAndOutcomes(events: JournalLine[]): { attempts: Map<string, number>; last: Map<string, string> } {
  const attempts = new Map<string, number>();
  const last = new Map<string, string>();
  for (const event of events) {
    if (!event.to) continue;
    if (event.ev === 'attempt') attempts.set(event.to, (attempts.get(event.to) ?? 0) + 1);
    last.set(event.to, event.ev);
  }
  return { attempts, last };
}

/** A campaign of `count` recipients, of which the first `sent` were sent by a `send --limit`. */
async function partlySent(count: number, sent: number): Promise<CampaignFixture> {
  const campaign = await writeCampaign({ csv: recipientsCsv(count) });
  const first = await runCli(['campaign', 'send', campaign.file, '--limit', String(sent)]);
  expect(first.code).toBe(75);
  expect(await outboxFiles(campaign)).toHaveLength(sent);
  return campaign;
}

describe('SIGKILL in the middle of a send, then resume', () => {
  const count = 2000;

  test.each([
    ['early', 20],
    ['late', 1500],
  ])(
    'killed %s (after %i messages): every recipient ends with exactly one message',
    async (_when, killAfter) => {
      const campaign = await writeCampaign({ csv: recipientsCsv(count) });
      const sender = startCli(['campaign', 'send', campaign.file]);
      const exited = collect(sender);
      await waitForMessages(campaign, sender, killAfter);
      sender.kill('SIGKILL');
      const killed = await exited;
      expect(killed.signal).toBe('SIGKILL');

      // What the crash left: a stale lock, and at most the in-flight messages in doubt.
      expect(JSON.parse(await readFile(path.join(campaign.stateDir, 'lock'), 'utf8'))).toMatchObject({ pid: sender.pid });
      const atCrash = await reportTotals(campaign);
      expect(atCrash.sent).toBeGreaterThanOrEqual(killAfter - inFlight);
      expect(atCrash.sent).toBeLessThan(count);
      expect(atCrash.in_doubt).toBeLessThanOrEqual(inFlight);
      expect(atCrash.sent + atCrash.in_doubt + atCrash.pending).toBe(count);

      await resumeUntilDone(campaign);

      await expectOneMessageEach(campaign, count);
      const { attempts, last } = attemptsAndOutcomes(await journal(campaign));
      expect(last.size).toBe(count);
      expect([...last.values()].every((ev) => ev === 'sent')).toBe(true);
      expect([...attempts.values()].every((n) => n >= 1)).toBe(true);
      const resent = [...attempts.values()].filter((n) => n > 1).length;
      expect(resent).toBeLessThanOrEqual(inFlight);
      expect(resent).toBe(atCrash.in_doubt); // exactly the ones in doubt were handed over again
      expect(await reportTotals(campaign)).toMatchObject({ status: 'done', sent: count, failed: 0, pending: 0, in_doubt: 0, deferred: 0 });
    },
    60_000,
  );
});

describe('SIGTERM or Ctrl-C (graceful stop)', () => {
  test.each(['SIGTERM', 'SIGINT'] as const)(
    '%s: finishes the messages in flight, exits 75 with nothing in doubt, and resume completes without resending',
    async (signal) => {
      const count = 1000;
      const campaign = await writeCampaign({ csv: recipientsCsv(count) });
      const sender = startCli(['campaign', 'send', campaign.file]);
      const exited = collect(sender);
      await waitForMessages(campaign, sender, 50);
      sender.kill(signal);
      const stopped = await exited;
      expect(stopped.code).toBe(75);
      expect(stopped.stderr).toMatch(/paused: interrupted/);
      expect(stopped.stderr).toMatch(/mailshot campaign resume/);

      const paused = await reportTotals(campaign);
      expect(paused).toMatchObject({ status: 'paused', in_doubt: 0, failed: 0 });
      expect(paused.sent).toBeLessThan(count);
      expect(paused.sent + paused.pending).toBe(count);
      expect(await outboxFiles(campaign)).toHaveLength(paused.sent);
      expect(await readdir(campaign.stateDir)).not.toContain('lock'); // released on the way out

      await resumeUntilDone(campaign);
      await expectOneMessageEach(campaign, count);
      const { attempts } = attemptsAndOutcomes(await journal(campaign));
      expect([...attempts.values()].every((n) => n === 1)).toBe(true);
      expect(await reportTotals(campaign)).toMatchObject({ status: 'done', sent: count, pending: 0, in_doubt: 0 });
    },
    60_000,
  );
});

describe('the campaign lock', () => {
  test('a second send or resume while one runs exits 75, says who holds it, and sends nothing', async () => {
    const count = 1000;
    const campaign = await writeCampaign({ csv: recipientsCsv(count) });
    const first = startCli(['campaign', 'send', campaign.file]);
    const firstDone = collect(first);
    await waitForMessages(campaign, first, 20);

    const second = await runCli(['campaign', 'send', campaign.file]);
    const third = await runCli(['campaign', 'resume', campaign.file]);
    expect(first.exitCode).toBeNull(); // still sending: the refusals above met a live lock
    for (const refused of [second, third]) {
      expect(refused.code).toBe(75);
      expect(refused.stderr).toContain(`being sent by another mailshot (pid ${first.pid}`);
      expect(refused.stderr).toContain('nothing was sent');
    }

    expect((await firstDone).code).toBe(0);
    const { attempts } = attemptsAndOutcomes(await journal(campaign));
    expect(attempts.size).toBe(count);
    expect([...attempts.values()].every((n) => n === 1)).toBe(true); // nobody sent anything twice
    await expectOneMessageEach(campaign, count);
  }, 60_000);

  test('a lock held by a live process blocks send and resume without touching the journal, the outbox or the lock', async () => {
    const campaign = await partlySent(30, 10);
    const lockFile = path.join(campaign.stateDir, 'lock');
    const lock = lockOwnedBy(process.pid);
    await writeFile(lockFile, lock);
    const journalBefore = await readFile(journalFile(campaign.stateDir));
    const stateBefore = await readFile(path.join(campaign.stateDir, 'state.json'));

    for (const command of ['send', 'resume']) {
      const refused = await runCli(['campaign', command, campaign.file]);
      expect(refused.code).toBe(75);
      expect(refused.stderr).toContain(`being sent by another mailshot (pid ${process.pid} on ${os.hostname()}`);
    }
    expect(await readFile(journalFile(campaign.stateDir))).toEqual(journalBefore);
    expect(await readFile(path.join(campaign.stateDir, 'state.json'))).toEqual(stateBefore);
    expect(await outboxFiles(campaign)).toHaveLength(10);
    expect(await readFile(lockFile, 'utf8')).toBe(lock);
  });

  test('a campaign never started, locked by a live process: exits 75 and writes no journal, state or message', async () => {
    const campaign = await writeCampaign({ csv: recipientsCsv(5) });
    await mkdir(campaign.stateDir, { recursive: true });
    await writeFile(path.join(campaign.stateDir, 'lock'), lockOwnedBy(process.pid));
    const refused = await runCli(['campaign', 'send', campaign.file]);
    expect(refused.code).toBe(75);
    expect(refused.stderr).toContain('nothing was sent');
    expect(await readdir(campaign.stateDir)).toEqual(['lock']);
  });

  test('a lock from another host is respected: its owner cannot be checked', async () => {
    const campaign = await partlySent(20, 5);
    await writeFile(path.join(campaign.stateDir, 'lock'), lockOwnedBy(await deadPid(), 'another-host.example'));
    const refused = await runCli(['campaign', 'resume', campaign.file]);
    expect(refused.code).toBe(75);
    expect(refused.stderr).toContain('on another-host.example');
    expect(await outboxFiles(campaign)).toHaveLength(5);
  });

  test('a lock left by a process that died does not block: the send takes it over and completes', async () => {
    const campaign = await writeCampaign({ csv: recipientsCsv(50) });
    await mkdir(campaign.stateDir, { recursive: true });
    await writeFile(path.join(campaign.stateDir, 'lock'), lockOwnedBy(await deadPid()));
    const sent = await runCli(['campaign', 'send', campaign.file]);
    expect(sent.code).toBe(0);
    expect(sent.stderr).toContain('done: sent 50');
    await expectOneMessageEach(campaign, 50);
    expect(await readdir(campaign.stateDir)).not.toContain('lock');

    // The same on a started campaign, through resume.
    const started = await partlySent(20, 5);
    await writeFile(path.join(started.stateDir, 'lock'), lockOwnedBy(await deadPid()));
    const resumed = await runCli(['campaign', 'resume', started.file]);
    expect(resumed.code).toBe(0);
    await expectOneMessageEach(started, 20);
  });
});

describe('a damaged state folder', () => {
  test('a torn last journal line (power cut mid-write) is dropped with a warning; resume completes', async () => {
    const campaign = await partlySent(40, 10);
    const journalPath = journalFile(campaign.stateDir);
    await appendFile(journalPath, '{"ev":"sent","to":"r1');

    const status = await runInProcess(['campaign', 'status', campaign.file, '--json']);
    expect(status.code).toBe(0);
    expect(status.stderr).toMatch(/warning: .*journal\.jsonl:\d+: the last line was cut short/);
    expect(JSON.parse(status.stdout).totals).toMatchObject({ sent: 10, pending: 30, in_doubt: 0 });

    const resumed = await runCli(['campaign', 'resume', campaign.file]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/warning: .*journal\.jsonl: the last line was cut short/);
    expect(resumed.stderr).not.toMatch(/unexpected error/);
    await expectOneMessageEach(campaign, 40);
    const events = await journal(campaign); // every line whole again
    expect(attemptsAndOutcomes(events).last.size).toBe(40);
    expect(await reportTotals(campaign)).toMatchObject({ status: 'done', sent: 40, pending: 0, in_doubt: 0 });
  });

  test('a corrupt line in the middle of the journal: exit 2 naming journal.jsonl and the line, nothing sent, lock released', async () => {
    const campaign = await partlySent(40, 10);
    const journalPath = journalFile(campaign.stateDir);
    const lines = (await readFile(journalPath, 'utf8')).split('\n');
    lines[4] = '{"ev":"sent","to":"r1@exa'; // line 5
    await writeFile(journalPath, lines.join('\n'));
    const damaged = await readFile(journalPath);

    for (const args of [
      ['campaign', 'resume', campaign.file],
      ['campaign', 'send', campaign.file],
      ['report', campaign.file],
    ]) {
      const result = await runCli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${journalPath}:5:`);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(await readFile(journalPath)).toEqual(damaged);
    expect(await outboxFiles(campaign)).toHaveLength(10);
    expect(await readdir(campaign.stateDir)).not.toContain('lock');
  });

  test('a damaged state.json: exit 2 naming state.json, nothing sent', async () => {
    const campaign = await partlySent(40, 10);
    const stateFile = path.join(campaign.stateDir, 'state.json');
    const journalBefore = await readFile(journalFile(campaign.stateDir));
    await writeFile(stateFile, (await readFile(stateFile, 'utf8')).slice(0, 40));

    for (const args of [
      ['campaign', 'resume', campaign.file],
      ['campaign', 'send', campaign.file],
      ['campaign', 'status', campaign.file],
    ]) {
      const result = await runCli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(stateFile);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await readFile(journalFile(campaign.stateDir))).toEqual(journalBefore);
    expect(await outboxFiles(campaign)).toHaveLength(10);
  });
});
