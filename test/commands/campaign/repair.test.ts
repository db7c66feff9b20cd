/** `campaign repair` (src/commands/campaign/repair.ts) in-process with a fake terminal. test/damaged-state.test.ts runs it as a process. */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { run as repair } from '../../../src/commands/campaign/repair.js';
import { run as send } from '../../../src/commands/campaign/send.js';
import { tempDir, writeCampaign } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/commands/progress.js';
import '../../../src/delivery/repair.js';
import '../../../src/delivery/wait.js';
import '../../../src/system/keep-awake.js';
import '../../../src/system/notify.js';

isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

test('rebuilds a lost state.json from the journal and says how many events it read and what continues', async () => {
  const campaign = await writeCampaign();
  expect(await send({ file: campaign.file, inDoubt: 'resend', limit: 1 }, fakeIo())).toBe(75);
  await rm(path.join(campaign.stateDir, 'state.json'));
  const io = fakeIo();
  await repair({ file: campaign.file }, io);
  expect(io.err).toMatch(
    /^mailshot: rebuilt .+state\.json from \d+ journal event\(s\) \(campaign id .+, via outbox\); `mailshot campaign resume .+` continues\n$/,
  );
});
