/**
 * Limits that belong to the account (issue 23): the right reply moves the right limit, a limit the person
 * gives replaces a learned one. Each test drives the CLI as a process against a real SMTP server and
 * counts what the server saw.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { campaignVia, collect, runCli, startCli } from './helpers/cli.js';
import { journalEvents } from './helpers/journal.js';
import { addAccount, fileSecretsEnv, receivedCounts, smtpServersPerTest, until, type Env } from './helpers/smtp.js';
import { runInProcess } from './helpers/in-process.js';

const server = smtpServersPerTest();

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

let env: Env & { MAILSHOT_CONFIG_DIR: string };
beforeEach(async () => {
  env = await fileSecretsEnv();
});

test('a greylisting server (4xx at RCPT the first time for each recipient) defers those recipients only: no limit moves, nothing is learned, each is delivered once', async () => {
  const firstSeen = new Map<string, number>();
  const greylistMs = 5000;
  const smtp = await server({
    delayMs: 20,
    replies: (stage, _session, recipient) => {
      if (stage !== 'rcpt' || !recipient) return undefined;
      const seen = firstSeen.get(recipient) ?? Date.now();
      firstSeen.set(recipient, seen);
      if (Date.now() - seen >= greylistMs) return undefined;
      return { code: 451, message: '4.7.1 Greylisting in progress, please try again later' };
    },
  });
  await addAccount(env, 'grey', smtp, { args: ['--max-concurrent', '3'] });
  const campaign = await campaignVia(6, 'grey');
  const result = await runCli(['campaign', 'send', campaign.file], { env });
  expect(result.stderr).toContain('done: sent 6');
  expect(result.code).toBe(0);
  const counts = receivedCounts(smtp);
  for (let index = 0; index < 6; index++) expect(counts.get(`r${index}@example.com`)).toBe(1);
  expect(smtp.injected.filter((event) => event.stage === 'rcpt')).toHaveLength(6); // refused once each, at RCPT
  // the account's concurrency and rate never moved, and nothing was remembered for the next run
  expect((await journalEvents(campaign.stateDir)).filter((event) => event.ev === 'limits')).toEqual([]);
  expect(await exists(path.join(env.MAILSHOT_CONFIG_DIR, 'learned', 'grey.json'))).toBe(false);
  expect(result.stderr).not.toMatch(/refused more connections|starting at/);
}, 90_000);

test('a learned ceiling: shown by status with why and until when, replaced by --max-concurrent on the command line and by `accounts set`', async () => {
  const narrow = await server({ maxConnections: 2, delayMs: 100 });
  const port = narrow.port;
  await addAccount(env, 'narrow', narrow, { args: ['--max-concurrent', '6'] });
  const first = await campaignVia(12, 'narrow');
  expect((await runCli(['campaign', 'send', first.file], { env })).code).toBe(0);
  expect(narrow.refusedConnections).toBeGreaterThan(0);
  const status = JSON.parse((await runInProcess(['campaign', 'status', first.file, '--json'], { env })).stdout);
  const learned = status.account.learned;
  expect(learned.concurrency).toBeLessThanOrEqual(2);
  expect(learned.why).toMatch(/421 4\.7\.0 .*too many connections/);
  expect(Date.parse(learned.until)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
  const human = await runInProcess(['campaign', 'status', first.file], { env });
  expect(human.stdout).toContain(`refused more than ${learned.concurrency} at once`);
  expect(human.stdout).toContain(learned.until);
  await narrow.close();

  // the server now takes more: a limit given on the command line is used at once
  const wide = await server({ port, delayMs: 150 });
  const second = await campaignVia(16, 'narrow', 's');
  const given = await runCli(['campaign', 'send', second.file, '--max-concurrent', '4'], { env });
  expect(given.code).toBe(0);
  expect(given.stderr).not.toContain('starting at');
  expect(wide.peakConnections).toBeGreaterThan(learned.concurrency);

  // without it, the ceiling holds for the next run …
  const third = await campaignVia(6, 'narrow', 't');
  expect((await runCli(['campaign', 'send', third.file], { env })).stderr).toContain(`starting at ${learned.concurrency} at once`);
  // … until `accounts set --max-concurrent` replaces it
  const set = await runCli(['accounts', 'set', 'narrow', '--max-concurrent', '4'], { env });
  expect(set.code).toBe(0);
  expect(set.stderr).toContain('is forgotten');
  const after = JSON.parse((await runInProcess(['campaign', 'status', first.file, '--json'], { env })).stdout);
  expect(after.account.learned).toBeUndefined();
  const fourth = await campaignVia(6, 'narrow', 'u');
  expect((await runCli(['campaign', 'send', fourth.file], { env })).stderr).not.toContain('starting at');
}, 120_000);

test('`accounts set NAME --forget-learned` clears a learned ceiling and changes nothing else', async () => {
  const narrow = await server({ maxConnections: 1, delayMs: 50 });
  await addAccount(env, 'one', narrow, { args: ['--max-concurrent', '3'] });
  expect((await runCli(['campaign', 'send', (await campaignVia(6, 'one')).file], { env })).code).toBe(0);
  const file = path.join(env.MAILSHOT_CONFIG_DIR, 'learned', 'one.json');
  expect(await exists(file)).toBe(true);
  const forget = await runCli(['accounts', 'set', 'one', '--forget-learned'], { env });
  expect(forget.code).toBe(0);
  expect(await exists(file)).toBe(false);
  const list = JSON.parse((await runInProcess(['accounts', 'list', '--json'], { env })).stdout);
  expect(list[0].limits).toMatchObject({ maxConcurrent: 3 });
}, 60_000);

test('--daily-limit counts what the server accepted: a recipient answered 451 three times, then 250, leaves the count at the accepted five', async () => {
  const refusals = new Map<string, number>();
  const smtp = await server({
    replies: (stage, session) => {
      const to = session.to[0];
      if (stage !== 'data' || to !== 'r0@example.com' || (refusals.get(to) ?? 0) >= 3) return undefined;
      refusals.set(to, (refusals.get(to) ?? 0) + 1);
      return { code: 451, message: '4.3.0 Requested action aborted: local error in processing' };
    },
  });
  await addAccount(env, 'daily', smtp, { args: ['--daily-limit', '5', '--max-concurrent', '1'] });
  const campaign = await campaignVia(5, 'daily');
  const first = await runCli(['campaign', 'send', campaign.file], { env });
  expect(first.stderr).not.toContain('daily limit');
  expect(smtp.received).toHaveLength(4);
  expect(refusals.get('r0@example.com')).toBe(3);
  const resumed = await runCli(['campaign', 'resume', campaign.file], { env });
  expect(resumed.stderr).not.toContain('daily limit');
  expect(resumed.code).toBe(0);
  expect(smtp.received).toHaveLength(5);
  const status = JSON.parse((await runInProcess(['campaign', 'status', campaign.file, '--json'], { env })).stdout);
  expect(status.account.sent_last_24h).toBe(5);
  expect((await runInProcess(['campaign', 'status', campaign.file], { env })).stdout).toContain(
    '5 recipient(s) sent to in the last 24 h of 5 allowed',
  );
}, 90_000);

/** The most MAIL FROM commands the server saw within any `windowMs`, by its own clock. */
function fastestWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (let first = 0, last = 0; last < times.length; last++) {
    while (times[last]! - times[first]! > windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

describe('limits shared by every process sending through the account', () => {
  test.each([2, 3])(
    '%i campaigns at once through one account (2 at once, 2/s): the server never sees more connections or a faster rate',
    async (campaigns) => {
      const mailTimes: number[] = [];
      const smtp = await server({
        delayMs: 150,
        replies: (stage) => void (stage === 'mail' && mailTimes.push(Date.now())),
      });
      await addAccount(env, 'shared', smtp, { args: ['--max-concurrent', '2', '--rate', '2/s'] });
      const files = await Promise.all(Array.from({ length: campaigns }, (_, index) => campaignVia(8, 'shared', `c${index}r`)));
      const results = await Promise.all(files.map((campaign) => runCli(['campaign', 'send', campaign.file], { env })));
      expect(results.map((result) => result.code)).toEqual(files.map(() => 0));
      expect(smtp.received).toHaveLength(8 * campaigns);
      expect(new Set(smtp.received.map((message) => message.to[0])).size).toBe(8 * campaigns);
      // a process gives a slot back only once its connection has closed at both ends (a limit per process: 2 × campaigns)
      expect(smtp.peakConnections).toBeLessThanOrEqual(2);
      // 2/s with no burst: at most 10 in 5 s, plus one turn at the window's edge and one of timing jitter
      expect(fastestWindow(mailTimes, 5000)).toBeLessThanOrEqual(12);
      const list = JSON.parse((await runInProcess(['accounts', 'list', '--json'], { env })).stdout);
      expect(list[0].slots).toEqual({ in_use: 0, by: [] });
    },
    120_000,
  );

  test('a process killed mid-send frees its slots at once: the other campaign goes on and completes', async () => {
    const smtp = await server({ delayMs: 300 });
    await addAccount(env, 'killed', smtp, { args: ['--max-concurrent', '2'] });
    const doomed = await campaignVia(30, 'killed', 'k');
    const survivor = await campaignVia(10, 'killed', 's');
    const child = startCli(['campaign', 'send', doomed.file], { env });
    const ended = collect(child);
    expect(await until(() => smtp.received.length >= 2, 30_000)).toBe(true);
    const busy = JSON.parse((await runInProcess(['accounts', 'list', '--json'], { env })).stdout)[0].slots;
    expect(busy.by).toEqual([child.pid]);
    const other = collect(startCli(['campaign', 'send', survivor.file], { env }));
    child.kill('SIGKILL');
    expect((await ended).signal).toBe('SIGKILL');
    const result = await other;
    expect(result.code).toBe(0);
    const counts = receivedCounts(smtp);
    for (let index = 0; index < 10; index++) expect(counts.get(`s${index}@example.com`)).toBe(1);
    expect(smtp.peakConnections).toBeLessThanOrEqual(2);
    const status = JSON.parse((await runInProcess(['campaign', 'status', survivor.file, '--json'], { env })).stdout);
    expect(status.account.slots).toEqual({ in_use: 0, by: [] });
  }, 90_000);

  test("`campaign test` beside a running campaign takes one of the account's slots too: never more connections than it allows", async () => {
    const smtp = await server({ delayMs: 150 });
    await addAccount(env, 'one', smtp, { args: ['--max-concurrent', '1'] });
    const campaign = await campaignVia(12, 'one', 'c');
    const sending = collect(startCli(['campaign', 'send', campaign.file], { env }));
    expect(await until(() => smtp.received.length >= 2, 30_000)).toBe(true);
    const tested = await runCli(['campaign', 'test', campaign.file, '--to', 'tester@example.com'], { env });
    expect(tested.code).toBe(0);
    expect((await sending).code).toBe(0);
    expect(smtp.received.filter((message) => message.to[0] === 'tester@example.com')).toHaveLength(1);
    expect(smtp.received).toHaveLength(13);
    expect(smtp.peakConnections).toBe(1);
  }, 90_000);
});
