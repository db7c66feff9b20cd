/** `campaign cron` (src/commands/campaign/cron.ts) in-process with a fake terminal. test/cron-cli.test.ts runs it as a process. */
import { run as cron } from '../../../src/commands/campaign/cron.js';
import { run as send } from '../../../src/commands/campaign/send.js';
import { tempDir, writeCampaign } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/commands/progress.js';
import '../../../src/delivery/cron-entry.js';
import '../../../src/delivery/wait.js';
import '../../../src/system/keep-awake.js';
import '../../../src/system/notify.js';

isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

test('of a campaign not started: refused, saying to send it first', async () => {
  const campaign = await writeCampaign();
  await expect(cron({ file: campaign.file, every: 5 }, fakeIo())).rejects.toThrow(/has not been started .*then add the cron line$/);
});

test('of a campaign started: prints the crontab line that resumes it every N minutes', async () => {
  const campaign = await writeCampaign();
  expect(await send({ file: campaign.file, inDoubt: 'resend', limit: 1 }, fakeIo())).toBe(75);
  const line = fakeIo();
  await cron({ file: campaign.file, every: 5 }, line);
  expect(line.out).toMatch(/^\*\/5 \* \* \* \* .* campaign resume '[^']+campaign\.yaml' .*\n$/);
});
