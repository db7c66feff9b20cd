import { runCli, writeCampaign } from './helpers/cli.js';

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
