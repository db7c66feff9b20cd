/** `campaign test` (src/commands/campaign/test.ts) in-process with a fake terminal. test/campaign-test-check.test.ts runs it as a process. */
import { run as sendTest } from '../../../src/commands/campaign/test.js';
import { InputError } from '../../../src/errors.js';
import { tempDir, writeCampaign } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/delivery/test-send.js';

isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

test('without --to (or --check) it is refused, naming the flag', async () => {
  const campaign = await writeCampaign();
  await expect(sendTest({ file: campaign.file, row: 1 }, fakeIo())).rejects.toThrow(
    new InputError('--to: say where the test goes, e.g. --to you@example.com'),
  );
});

test('to the outbox: one message to the given address only, said on stderr', async () => {
  const campaign = await writeCampaign();
  const io = fakeIo();
  await sendTest({ file: campaign.file, row: 1, to: 'me@example.com' }, io);
  expect(io.err).toMatch(/^mailshot: test message sent to me@example\.com through "outbox": /);
  expect(io.out).toBe('');
});
