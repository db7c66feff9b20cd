import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { runCli, tempDir, writeCampaign, type CampaignFixture } from './helpers/cli.js';
import { runInProcess } from './helpers/in-process.js';
import { reportJson } from './helpers/report.js';
import { writeJournal } from './helpers/journal.js';

const start = Date.UTC(2026, 2, 3, 9, 0, 0);
const at = (seconds: number) => start + seconds * 1000;
const bounce = '550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown';

/** A state folder in the journal's documented format: one run of 18 s with every kind of outcome. */
async function handWritten(campaign: CampaignFixture): Promise<void> {
  await mkdir(campaign.stateDir, { recursive: true });
  const now = new Date(start).toISOString();
  const state = {
    version: 1,
    campaignId: 'report-cli',
    campaignFile: campaign.file,
    via: 'outbox',
    status: 'paused',
    recipients: 8,
    createdAt: now,
    updatedAt: now,
  };
  const events = [
    { ev: 'skipped', at: at(0), reason: 'invalid_address', line: 9, value: 'not-an-address' },
    { ev: 'run', at: at(0), what: 'start', via: 'outbox', name: 'Spring newsletter' },
    ...['a', 'b', 'c', 'd', 'e'].flatMap((name, index) => [
      { ev: 'attempt', to: `${name}@example.com`, at: at(index * 4), line: index + 2 },
      { ev: 'sent', to: `${name}@example.com`, at: at(index * 4 + 1), reply: '250 2.0.0 Ok: queued' },
    ]),
    { ev: 'attempt', to: 'gone@example.com', at: at(17), line: 7 },
    { ev: 'failed', to: 'gone@example.com', at: at(17), kind: 'permanent', code: '550 5.1.1', text: bounce },
    { ev: 'attempt', to: 'later@example.com', at: at(17), line: 8 },
    { ev: 'deferred', to: 'later@example.com', at: at(18), kind: 'transient', code: '451 4.3.0', text: '451 4.3.0 Try again later' },
    { ev: 'attempt', to: 'doubt@example.com', at: at(18), line: 10 },
    { ev: 'run', at: at(18), what: 'end', status: 'paused' },
  ];
  await writeFile(path.join(campaign.stateDir, 'state.json'), JSON.stringify(state));
  await writeJournal(campaign.stateDir, events);
}

describe('report', () => {
  let campaign: CampaignFixture;
  beforeEach(async () => {
    campaign = await writeCampaign();
    await handWritten(campaign);
  });

  test('table: the campaign name as title, the code once, throughput over the run time, deferred and in-doubt listed', async () => {
    const { code, stdout } = await runCli(['report', campaign.file], { env: { TZ: 'Europe/Berlin' } });
    expect(code).toBe(0);
    expect(stdout).toContain('Campaign    Spring newsletter — ');
    expect(stdout).toContain(`line 7: gone@example.com — ${bounce}\n`);
    expect(stdout).not.toContain('550 5.1.1 550 5.1.1');
    expect(stdout).toContain('Throughput  16.7 messages/min'); // 5 messages in 18 s, not 5 in the 16 s between the first and last
    expect(stdout).toMatch(/Deferred \(1\).*\n {2}line 8: later@example.com — 451 4\.3\.0 Try again later/);
    expect(stdout).toMatch(/In doubt \(1\).*\n {2}line 10: doubt@example.com/);
    expect(stdout).toContain('Started     2026-03-03 10:00:00 CET'); // local time with its zone
  });

  test('--failed lists failed, deferred and in-doubt recipients, in every format', async () => {
    const table = await runInProcess(['report', campaign.file, '--failed']);
    expect(table.stdout).toContain('gone@example.com');
    expect(table.stdout).toContain('later@example.com');
    expect(table.stdout).toContain('doubt@example.com');
    expect(table.stdout).not.toContain('Skipped:');
    expect(table.stdout).toContain('Listed      failed, deferred, in doubt recipients only');

    const csv = parse((await runInProcess(['report', campaign.file, '--failed', '--format', 'csv'])).stdout, { columns: true }) as Record<
      string,
      string
    >[];
    expect(csv.map((row) => [row.recipient, row.status, row.line])).toEqual([
      ['gone@example.com', 'failed', '7'],
      ['later@example.com', 'deferred', '8'],
      ['doubt@example.com', 'in_doubt', '10'],
    ]);
    const json = await reportJson(campaign.file, ['--failed']);
    expect(json.recipients.map((row: { recipient: string }) => row.recipient)).toEqual([
      'gone@example.com',
      'later@example.com',
      'doubt@example.com',
    ]);
    expect(json.name).toBe('Spring newsletter');
    expect(json.totals).toMatchObject({ sent: 5, failed: 1, deferred: 1, in_doubt: 1, skipped: 1 });
  });

  test('the CSV line of every row, sent ones included; --output for csv and json', async () => {
    const dir = await tempDir();
    const csvFile = path.join(dir, 'f.csv');
    const written = await runInProcess(['report', campaign.file, '--format', 'csv', '--output', csvFile]);
    expect(written.code).toBe(0);
    expect(written.stdout.trim()).toBe(csvFile);
    const rows = parse(await readFile(csvFile, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.find((row) => row.recipient === 'c@example.com')).toMatchObject({ status: 'sent', line: '4' });
    expect(rows.find((row) => row.recipient === 'not-an-address')).toMatchObject({ status: 'skipped', line: '9' });
    expect(rows.every((row) => row.line !== '')).toBe(true);
    const jsonFile = path.join(dir, 'r.json');
    expect((await runInProcess(['report', campaign.file, '--format', 'json', '--output', jsonFile])).code).toBe(0);
    expect(JSON.parse(await readFile(jsonFile, 'utf8')).recipients[0]).toMatchObject({ recipient: 'a@example.com', line: 2 });
    const open = await runInProcess(['report', campaign.file, '--format', 'csv', '--open']);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('--open goes with --format html');
  });

  test("a real run records each row's line and the campaign's name", async () => {
    const fresh = await writeCampaign({ csv: 'email,name\nbad,X\nann@example.com,Ann\nbob@example.com,Bob\n' });
    expect((await runInProcess(['campaign', 'send', fresh.file])).code).toBe(0);
    const json = await reportJson(fresh.file);
    expect(json.name).toBe('Test campaign');
    expect(json.recipients.map((row) => [row.recipient, row.line])).toEqual([
      ['ann@example.com', 3],
      ['bob@example.com', 4],
      ['bad', 2],
    ]);
  });

  test('a campaign file that does not exist is named as such', async () => {
    const missing = path.join(await tempDir(), 'nope.yaml');
    const { code, stderr } = await runInProcess(['report', missing]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${missing}: no such file`);
    expect(stderr).not.toContain('has not been sent yet');
  });
});
