import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { campaignVia, runCli, startCli, collect } from './helpers/cli.js';
import { journalEvents } from './helpers/journal.js';
import { addAccount, fileSecretsEnv, receivedCounts, smtpServersPerTest, type Env } from './helpers/smtp.js';
import { reportJson } from './helpers/report.js';
import { runInProcess } from './helpers/in-process.js';
import type { SmtpTestServer } from './servers/smtp.js';

const server = smtpServersPerTest();

function expectEachOnce(smtp: SmtpTestServer, count: number, prefix = 'r'): void {
  const counts = receivedCounts(smtp);
  for (let index = 0; index < count; index++)
    expect([`${prefix}${index}@example.com`, counts.get(`${prefix}${index}@example.com`)]).toEqual([`${prefix}${index}@example.com`, 1]);
  expect(smtp.received).toHaveLength(count);
}

describe('throttling against a server that enforces limits', () => {
  let env: Env;
  beforeEach(async () => {
    env = await fileSecretsEnv();
  });

  test('configured far above the connection and rate limits: completes with no failure and no duplicate, slowing down to the server', async () => {
    const smtp = await server({ maxConnections: 2, rateLimit: { max: 15, windowMs: 1000 }, delayMs: 20 });
    await addAccount(env, 'limited', smtp, { args: ['--max-concurrent', '8'] });
    const campaign = await campaignVia(60, 'limited');
    const result = await runCli(['campaign', 'send', campaign.file, '--json'], { env });
    expect(result.stderr).toContain('done: sent 60');
    expect(result.code).toBe(0);
    expectEachOnce(smtp, 60);
    expect(smtp.peakConnections).toBeLessThanOrEqual(2);

    const events = await journalEvents(campaign.stateDir);
    const changes = events.filter((event) => event.ev === 'limits');
    expect(changes.length).toBeGreaterThan(0);
    // a refused connection halves concurrency; "too much mail" cuts the rate
    const connectionCuts = changes.filter((change) => /too many connections/.test(String(change.why)));
    expect(connectionCuts.length).toBeGreaterThan(0);
    expect(Math.min(...connectionCuts.map((change) => change.concurrency as number))).toBeLessThanOrEqual(4);
    expect(changes.some((change) => /too much mail/.test(String(change.why)) && change.rate !== undefined)).toBe(true);
    expect(smtp.refusedConnections).toBeLessThan(30); // it stops knocking once it knows
    // the --json stream and the report show the same changes
    const streamed = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((event) => event.type === 'limits');
    expect(streamed.length).toBe(changes.length);
    const report = await reportJson(campaign.file, [], { env });
    expect(report.totals).toMatchObject({ sent: 60, failed: 0, pending: 0, in_doubt: 0 });
    expect(report.limit_changes).toHaveLength(changes.length);
  }, 90_000);

  test('no more connections open at once than have opened: set to 8 against a server allowing 2, it is refused at most 4, not 6 at once', async () => {
    const smtp = await server({ maxConnections: 2, delayMs: 20 });
    await addAccount(env, 'two', smtp, { args: ['--max-concurrent', '8'] });
    const campaign = await campaignVia(40, 'two');
    const result = await runCli(['campaign', 'send', campaign.file], { env });
    expect(result.code).toBe(0);
    expectEachOnce(smtp, 40);
    // One opens beside the one that signed in, then two at once: both refused (those waiting behind fail with them),
    // concurrency halves to 4, and two more may open at once before it comes down to 2.
    expect(smtp.refusedConnections).toBeGreaterThanOrEqual(1);
    expect(smtp.refusedConnections).toBeLessThanOrEqual(4);
  }, 90_000);

  test('a session refused twice in a row is replaced by a fresh one: Postfix answers a session with more errors a second late', async () => {
    // Probes after 0.5, 1.5 and 3.5 s are refused: without a fresh session the third would be its third refusal.
    const smtp = await server({ maxConnections: 2, rateLimit: { max: 4, windowMs: 4000 } });
    await addAccount(env, 'anvil', smtp, { args: ['--max-concurrent', '8'] });
    const campaign = await campaignVia(8, 'anvil');
    const result = await runCli(['campaign', 'send', campaign.file], { env });
    expect(result.code).toBe(0);
    expectEachOnce(smtp, 8);
    expect(smtp.injected.filter((event) => event.reply.startsWith('450 4.7.1')).length).toBeGreaterThanOrEqual(3);
    expect(smtp.mostRefusedInARow).toBeLessThanOrEqual(2);
  }, 90_000);

  test('a refused connection count is remembered for the account: the next run starts below it and is not refused', async () => {
    const smtp = await server({ maxConnections: 3, delayMs: 30 });
    await addAccount(env, 'narrow', smtp, { args: ['--max-concurrent', '8'] });
    const first = await runCli(['campaign', 'send', (await campaignVia(40, 'narrow')).file], { env });
    expect(first.code).toBe(0);
    expect(smtp.refusedConnections).toBeGreaterThan(0);
    const learned = JSON.parse(await readFile(path.join(env.MAILSHOT_CONFIG_DIR!, 'learned', 'narrow.json'), 'utf8'));
    expect(learned.concurrency).toBeLessThanOrEqual(3);
    expect(Date.parse(learned.expiresAt)).toBeGreaterThan(Date.now() + 6 * 86_400_000);

    const refusedBefore = smtp.refusedConnections;
    const second = await campaignVia(40, 'narrow', 's');
    const run = await runCli(['campaign', 'send', second.file, '--json'], { env });
    expect(run.code).toBe(0);
    expect(smtp.refusedConnections).toBe(refusedBefore);
    expect(smtp.peakConnections).toBeLessThanOrEqual(3);
    expect(run.stderr).toMatch(new RegExp(`starting at ${learned.concurrency} at once`));
    const counts = receivedCounts(smtp);
    for (let index = 0; index < 40; index++) expect(counts.get(`s${index}@example.com`)).toBe(1);
  }, 90_000);

  test('a daily quota reply pauses with exit 75; resume before the time sends nothing; after it, completes', async () => {
    let quotaOver = false;
    const smtp = await server({
      replies: (stage) => {
        if (stage !== 'mail') return undefined;
        if (smtp.received.length >= 4 && !quotaOver)
          return { code: 550, message: '5.4.5 Daily user sending limit exceeded. Try again in 3 seconds' };
        return undefined;
      },
    });
    await addAccount(env, 'gmailish', smtp, { args: ['--max-concurrent', '1'] });
    const campaign = await campaignVia(10, 'gmailish');
    const first = await runCli(['campaign', 'send', campaign.file], { env });
    expect(first.code).toBe(75);
    expect(first.stderr).toMatch(/quota is used up .*550 5\.4\.5.*paused until \d{4}-/);
    expect(smtp.received).toHaveLength(4);

    const early = await runCli(['campaign', 'resume', campaign.file], { env });
    expect(early.code).toBe(75);
    expect(early.stderr).toBe(''); // quiet for cron; status says until when
    expect(smtp.received).toHaveLength(4);
    const status = JSON.parse((await runInProcess(['campaign', 'status', campaign.file, '--json'], { env })).stdout);
    expect(status.status).toBe('paused');
    expect(Date.parse(status.paused_until)).toBeGreaterThan(Date.now());
    expect(status.account.sent_last_24h).toBeGreaterThanOrEqual(4);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(status.paused_until) - Date.now()) + 100));
    quotaOver = true;
    const later = await runCli(['campaign', 'resume', campaign.file], { env });
    expect(later.code).toBe(0);
    expectEachOnce(smtp, 10);
    const done = await runCli(['campaign', 'resume', campaign.file], { env });
    expect(done.code).toBe(0);
  }, 60_000);

  test('--daily-limit is shared by two campaigns of one account, running at the same time', async () => {
    const smtp = await server({});
    await addAccount(env, 'capped', smtp, { args: ['--daily-limit', '7'] });
    const first = await campaignVia(5, 'capped', 'a');
    const second = await campaignVia(5, 'capped', 'b');
    const [one, two] = await Promise.all(
      [first, second].map((campaign) => collect(startCli(['campaign', 'send', campaign.file], { env }))),
    );
    expect(smtp.received).toHaveLength(7);
    expect([one.code, two.code]).toContain(75); // whichever ran into the limit (both may, interleaved)
    expect([one.code, two.code].every((code) => code === 0 || code === 75)).toBe(true);
    expect(one.stderr + two.stderr).toMatch(/daily limit of 7 recipients is reached; paused until/);
    expect(new Set(smtp.received.map((message) => message.to[0])).size).toBe(7);

    const status = JSON.parse((await runInProcess(['campaign', 'status', first.file, '--json'], { env })).stdout);
    expect(status.account).toMatchObject({ sent_last_24h: 7, limits: { dailyLimit: 7 } });
    const lower = await runCli(['accounts', 'set', 'capped', '--daily-limit', '5'], { env });
    expect(lower.code).toBe(2);
    expect(lower.stderr).toContain('below the 7 recipient(s)');
    expect((await runCli(['accounts', 'set', 'capped', '--daily-limit', '9', '--rate', '30/min'], { env })).code).toBe(0);
  }, 60_000);

  test('a server that goes away pauses the run (exit 75) instead of burning through the list; resume completes', async () => {
    const smtp = await server({ delayMs: 50 });
    await addAccount(env, 'flaky', smtp, { args: ['--max-concurrent', '2'] });
    const campaign = await campaignVia(40, 'flaky');
    const child = startCli(['campaign', 'send', campaign.file], { env });
    const outcome = collect(child);
    while (smtp.received.length < 5) await new Promise((resolve) => setTimeout(resolve, 20));
    const port = smtp.port;
    await smtp.close();
    const stopped = await outcome;
    expect(stopped.code).toBe(75);
    expect(stopped.stderr).toContain('cannot reach the server');
    const report = await reportJson(campaign.file, [], { env });
    expect(report.totals.deferred).toBeLessThanOrEqual(4); // only recipients already in progress (at most twice --max-concurrent), not the rest of the list
    expect(report.totals.failed).toBe(0);

    const again = await server({ port });
    const resumed = await runCli(['campaign', 'resume', campaign.file], { env });
    expect(resumed.code).toBe(0);
    const all = [...smtp.received, ...again.received].map((message) => message.to[0]);
    expect(new Set(all).size).toBe(40);
    expect(all.length).toBeLessThanOrEqual(40 + 2); // a message in flight (at most --max-concurrent) when the server vanished may be resent
  }, 60_000);

  test.each([
    [['--rate', '5/day'], 'N/s, N/min or N/h'],
    [['--rate', '0/s'], 'N/s, N/min or N/h'],
    [['--max-concurrent', '0'], 'at least 1'],
    [['--daily-limit', '-3'], 'whole number'],
  ])('bad limit %j: exit 2 and a clear message', async (args, fragment) => {
    const campaign = await campaignVia(2, 'outbox');
    const result = await runCli(['campaign', 'send', campaign.file, ...args], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(fragment);
  });
});
