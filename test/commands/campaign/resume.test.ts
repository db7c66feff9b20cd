/** `campaign resume` (src/commands/campaign/resume.ts) in-process with a fake terminal. test/crash-resume.test.ts and others run it as a process. */
import { run as resume } from '../../../src/commands/campaign/resume.js';
import { run as send } from '../../../src/commands/campaign/send.js';
import { tempDir, writeCampaign } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/commands/progress.js';
import '../../../src/delivery/wait.js';
import '../../../src/system/keep-awake.js';
import '../../../src/system/notify.js';

isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-'), MAILSHOT_SECRET_STORE: 'file' }));

test('of a campaign never started: bad input, and nothing is sent', async () => {
  const campaign = await writeCampaign();
  await expect(resume({ file: campaign.file, inDoubt: 'resend' }, fakeIo())).rejects.toThrow(
    /has not been started .*use `mailshot campaign send`/,
  );
});

test('after a send stopped by --limit, sends the rest and returns 0', async () => {
  const campaign = await writeCampaign();
  expect(await send({ file: campaign.file, inDoubt: 'resend', limit: 1 }, fakeIo())).toBe(75);
  const io = fakeIo();
  expect(await resume({ file: campaign.file, inDoubt: 'resend', json: true }, io)).toBe(0);
  expect(
    io.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string })
      .at(-1),
  ).toMatchObject({ type: 'end', status: 'done' });
});
