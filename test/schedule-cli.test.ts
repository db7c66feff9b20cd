import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, tempDir, writeCampaign } from './helpers/cli.js';
import { journalLines } from './helpers/journal.js';
import { runInProcess } from './helpers/in-process.js';

async function outboxCount(outbox: string): Promise<number> {
  return (await readdir(outbox).catch(() => [])).filter((name) => name.endsWith('.eml')).length;
}

describe("send later, recipients' time zones, spread, cron", () => {
  test('--at records the schedule and exits 75; resume before the time is quiet and sends nothing; after it, sends', async () => {
    const campaign = await writeCampaign();
    const at = new Date(Date.now() + 3000).toISOString();
    const scheduled = await runCli(['campaign', 'send', campaign.file, '--at', at]);
    expect(scheduled.code).toBe(75);
    expect(scheduled.stderr).toMatch(/scheduled; nothing is sent before .*campaign resume/);
    expect(await outboxCount(campaign.outbox)).toBe(0);

    const early = await runCli(['campaign', 'resume', campaign.file]);
    expect(early.code).toBe(75);
    expect(early.stderr).toBe(''); // quiet for cron: the exit code tells
    expect(await outboxCount(campaign.outbox)).toBe(0);
    const status = JSON.parse((await runInProcess(['campaign', 'status', campaign.file, '--json'])).stdout);
    expect(status.status).toBe('scheduled');
    expect(status.paused_until).toBe(at);

    await new Promise((resolve) => setTimeout(resolve, Date.parse(at) - Date.now() + 50));
    const due = await runCli(['campaign', 'resume', campaign.file]);
    expect(due.code).toBe(0);
    expect(await outboxCount(campaign.outbox)).toBe(2);
    const done = await runCli(['campaign', 'resume', campaign.file]);
    expect([done.code, done.stderr]).toEqual([0, 'mailshot: this campaign is already complete; nothing to send\n']); // done says so, even from cron
  }, 30_000);

  test('--at with --wait waits in the foreground and sends at the time', async () => {
    const campaign = await writeCampaign();
    const started = Date.now();
    const result = await runCli(['campaign', 'send', campaign.file, '--at', new Date(Date.now() + 2000).toISOString(), '--wait']);
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(result.stderr).toContain('waiting until');
    expect(await outboxCount(campaign.outbox)).toBe(2);
  }, 30_000);

  test('deliver_at_local: each recipient waits for that time on their own clock', async () => {
    const soon = new Date(Date.now() + 120_000);
    const hhmm = `${String(soon.getUTCHours()).padStart(2, '0')}:${String(soon.getUTCMinutes()).padStart(2, '0')}`;
    const campaign = await writeCampaign({
      fields: { deliver_at_local: hhmm, timezone_column: 'tz', default_timezone: 'UTC' },
      csv: 'email,name,tz\nutc@example.com,Utc,UTC\nbad@example.com,Bad,Nowhere/Else\ntokyo@example.com,Tokyo,Asia/Tokyo\n',
    });
    const validated = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(validated.code).toBe(0);
    expect(validated.stderr).toContain('line 3 of recipients.csv: "Nowhere/Else" is not a known time zone; using UTC');

    const sent = await runCli(['campaign', 'send', campaign.file]);
    expect(sent.code).toBe(75);
    expect(sent.stderr).toContain(`their local ${hhmm}`);
    expect(await outboxCount(campaign.outbox)).toBe(0);
    const status = JSON.parse((await runInProcess(['campaign', 'status', campaign.file, '--json'])).stdout);
    expect(status.status).toBe('scheduled');
    const expected = new Date(soon);
    expected.setUTCSeconds(0, 0);
    expect(status.paused_until).toBe(expected.toISOString()); // the UTC (and fallback) recipients come first
  });

  test('--spread spaces the deliveries over the window', async () => {
    const campaign = await writeCampaign({
      csv: 'email,name\n' + Array.from({ length: 5 }, (_, index) => `s${index}@example.com,S${index}`).join('\n') + '\n',
    });
    const started = Date.now();
    const result = await runCli(['campaign', 'send', campaign.file, '--spread', '4s']);
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000); // 5 messages, one every 0.8 s
    const journal = await journalLines(campaign.stateDir);
    const sentAt = journal.filter((event) => event.ev === 'sent').map((event) => event.at as number);
    expect(sentAt[sentAt.length - 1] - sentAt[0]).toBeGreaterThanOrEqual(2800);
  }, 30_000);

  test.each([
    [['--at', 'whenever'], 'not a time'],
    [['--at', '2020-01-01T00:00:00Z'], 'in the past'],
    [['--spread', 'soon'], 'not a duration'],
  ])('bad %j: exit 2, nothing written', async (args, fragment) => {
    const campaign = await writeCampaign();
    const result = await runCli(['campaign', 'send', campaign.file, ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(fragment);
    expect(await readdir(campaign.dir)).not.toContain('.mailshot');
  });

  test('an unknown default_timezone is refused by validate', async () => {
    const campaign = await writeCampaign({ fields: { deliver_at_local: '09:00', default_timezone: 'Mars/Base' } });
    const result = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/campaign\.yaml:\d+: field "default_timezone": is not a known IANA time zone/);
  });

  test('campaign cron prints a crontab line that works as printed', async () => {
    const campaign = await writeCampaign();
    expect((await runCli(['campaign', 'send', campaign.file, '--at', new Date(Date.now() + 60_000).toISOString()])).code).toBe(75);
    const printed = await runInProcess(['campaign', 'cron', campaign.file, '--every', '10']);
    expect(printed.code).toBe(0);
    const line = printed.stdout.trim();
    expect(line).toMatch(/^\*\/10 \* \* \* \* cd '/);
    // run the command part the way cron would: sh -c, from another directory, with a minimal environment
    const { spawnSync } = await import('node:child_process');
    const command = line.replace(/^(\S+\s+){5}/, '');
    const cron = spawnSync('/bin/sh', ['-c', command], { cwd: await tempDir(), env: { HOME: '/tmp' } });
    expect(cron.status).toBe(75); // scheduled: nothing due yet
    expect(await readFile(path.join(campaign.stateDir, 'cron.log'), 'utf8')).toBe(''); // and quiet
  });
});
