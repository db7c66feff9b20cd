/** `campaign validate` (src/commands/campaign/validate.ts) in-process with a fake terminal. test/bad-input.test.ts and others run it as a process. */
import { run as validate } from '../../../src/commands/campaign/validate.js';
import { tempDir, writeCampaign } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/campaign/prepare.js';
import '../../../src/campaign/validate.js';

isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

test('prints the recipients and the rows it would skip on stdout', async () => {
  const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\nnot-an-address,X\nann@example.com,Again\n' });
  const io = fakeIo();
  await validate({ file: campaign.file }, io);
  expect(io.out).toContain(`${campaign.file}: OK — 1 recipient(s) to send`);
  expect(io.out).toMatch(/2 row\(s\) will be skipped \(1 invalid address, 1 duplicate\)/);
  expect(io.err).toBe('');
});

test('--json: the counts and the skipped rows by line', async () => {
  const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\nnot-an-address,X\n' });
  const io = fakeIo();
  await validate({ file: campaign.file, json: true }, io);
  expect(JSON.parse(io.out)).toMatchObject({ file: campaign.file, ok: true, recipients: 1, email_column: 'email', skipped: 1 });
});
