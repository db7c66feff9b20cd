import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { recipientsCsv, runCli, writeCampaign } from './helpers/cli.js';

const iso = /\d{4}-\d\d-\d\dT\d\d:\d\d/;

test('human output shows local times with the zone; JSON keeps ISO 8601 UTC', async () => {
  const campaign = await writeCampaign();
  const env = { TZ: 'Europe/Berlin' };
  const scheduled = await runCli(['campaign', 'send', campaign.file, '--at', 'tomorrow 09:00'], { env });
  expect(scheduled.code).toBe(75);
  expect(scheduled.stderr).toMatch(/nothing is sent before \d{4}-\d\d-\d\d 09:00 CET\b/);
  expect(scheduled.stderr).not.toMatch(iso);
  const status = await runCli(['campaign', 'status', campaign.file], { env });
  expect(status.stdout).toMatch(/Paused until \d{4}-\d\d-\d\d 09:00 CET/);
  expect(status.stdout).not.toMatch(iso);
  const json = JSON.parse((await runCli(['campaign', 'status', campaign.file, '--json'], { env })).stdout);
  expect(json.paused_until).toMatch(/^\d{4}-\d\d-\d\dT08:00:00\.000Z$/);
  expect(json.name).toBe('Test campaign');
});

test('the lock message, status and the HTML report: local times with the zone, in the one format', async () => {
  const campaign = await writeCampaign({ csv: recipientsCsv(4) });
  const env = { TZ: 'America/New_York' };
  expect((await runCli(['campaign', 'send', campaign.file, '--limit', '2'], { env })).code).toBe(75);
  const since = '2026-01-15T14:30:05.000Z';
  await writeFile(path.join(campaign.stateDir, 'lock'), JSON.stringify({ pid: 4242, host: 'gone-container', since }));
  const refused = await runCli(['campaign', 'resume', campaign.file], { env });
  expect(refused.stderr).toContain('pid 4242 on gone-container, since 2026-01-15 09:30:05 EST (');
  expect(refused.stderr).not.toMatch(iso);
  const status = await runCli(['campaign', 'status', campaign.file], { env });
  expect(status.stdout).toContain('since 2026-01-15 09:30:05 EST (');
  const unlocked = await runCli(['campaign', 'unlock', campaign.file], { env });
  expect(unlocked.stderr).toContain('(since 2026-01-15 09:30:05 EST)');

  const output = path.join(campaign.dir, 'report.html');
  expect((await runCli(['report', campaign.file, '--format', 'html', '--output', output], { env })).code).toBe(0);
  const page = await readFile(output, 'utf8');
  const times = page.match(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d E[SD]T\b/g) ?? [];
  expect(times.length).toBeGreaterThanOrEqual(4); // made, started, ended, and each recipient's row
  expect(page).not.toMatch(/\b\d{1,2}:\d\d:\d\d\s?[AP]M\b/);
  expect(page).not.toMatch(iso);
});
