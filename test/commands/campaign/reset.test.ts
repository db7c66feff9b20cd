/** `campaign reset` (src/commands/campaign/reset.ts) in-process with a fake terminal. test/lock.test.ts and others run it as a process. */
import { run as reset } from '../../../src/commands/campaign/reset.js';
import { run as send } from '../../../src/commands/campaign/send.js';
import { tempDir, writeCampaign } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/commands/progress.js';
import '../../../src/delivery/reset.js';
import '../../../src/delivery/wait.js';
import '../../../src/system/keep-awake.js';
import '../../../src/system/notify.js';

isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

test('after a send, says where the state is kept and that the next send starts from the first recipient', async () => {
  const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\n' });
  expect(await send({ file: campaign.file, inDoubt: 'resend' }, fakeIo())).toBe(0);
  const kept = fakeIo();
  await reset({ file: campaign.file }, kept);
  expect(kept.err).toMatch(
    /^mailshot: the campaign's state is kept in .+; the next `mailshot campaign send .+` starts from the first recipient\n$/,
  );
});
