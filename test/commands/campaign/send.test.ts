/** `campaign send` (src/commands/campaign/send.ts) in-process with a fake terminal. test/outbox-send.test.ts and the provider tests run it as a process. */
import { run as send } from '../../../src/commands/campaign/send.js';
import { tempDir, writeCampaign } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/commands/progress.js';
import '../../../src/delivery/wait.js';
import '../../../src/system/keep-awake.js';
import '../../../src/system/notify.js';

isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

test('a send to the outbox returns 0; --json: one event a line on stdout, the last one the end', async () => {
  const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\n' });
  const sent = fakeIo();
  expect(await send({ file: campaign.file, inDoubt: 'resend', json: true }, sent)).toBe(0);
  const events = sent.out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string });
  expect(events.at(-1)).toMatchObject({ type: 'end', status: 'done' });
});

test('--limit 1 of two recipients sends one and returns 75: resume later', async () => {
  const campaign = await writeCampaign();
  const io = fakeIo();
  expect(await send({ file: campaign.file, inDoubt: 'resend', limit: 1 }, io)).toBe(75);
  expect(io.err).toContain('sent 1');
});
