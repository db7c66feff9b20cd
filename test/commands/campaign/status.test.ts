/** `campaign status` (src/commands/campaign/status.ts) in-process with a fake terminal. test/status-snapshot.test.ts and test/counts-cli.test.ts run it as a process. */
import { run as send } from '../../../src/commands/campaign/send.js';
import { run as status } from '../../../src/commands/campaign/status.js';
import { tempDir, writeCampaign } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/accounts/limits.js';
import '../../../src/campaign/list-digest.js';
import '../../../src/commands/progress.js';
import '../../../src/delivery/wait.js';
import '../../../src/report/fold-campaign.js';
import '../../../src/report/list-changes.js';
import '../../../src/report/reputation.js';
import '../../../src/report/table.js';
import '../../../src/system/keep-awake.js';
import '../../../src/system/notify.js';
import '../../../src/throttle/rate.js';

isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

test('the table on stdout; --json: the summary without its recipients', async () => {
  const campaign = await writeCampaign();
  expect(await send({ file: campaign.file, inDoubt: 'resend', limit: 1 }, fakeIo())).toBe(75);
  const table = fakeIo();
  await status({ file: campaign.file }, table);
  expect(table.out).toContain('Recipients  2 valid: sent 1 · failed 0 · pending 1');
  expect(table.err).toBe('');
  const json = fakeIo();
  await status({ file: campaign.file, json: true }, json);
  const summary = JSON.parse(json.out);
  expect(summary).toMatchObject({ via: 'outbox', status: 'paused', totals: { recipients: 2, sent: 1, pending: 1 }, warnings: [] });
  expect(summary).not.toHaveProperty('recipients');
});
