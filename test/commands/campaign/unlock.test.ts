/** `campaign unlock` (src/commands/campaign/unlock.ts) in-process with a fake terminal. test/lock.test.ts runs it as a process. */
import { run as unlock } from '../../../src/commands/campaign/unlock.js';
import { tempDir, writeCampaign } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/delivery/unlock.js';

isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

test('a campaign without a lock: nothing to do, said on stderr', async () => {
  const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\n' });
  const unlocked = fakeIo();
  await unlock({ file: campaign.file }, unlocked);
  expect([unlocked.out, unlocked.err]).toEqual(['', `mailshot: ${campaign.file} is not locked; nothing to do\n`]);
});
