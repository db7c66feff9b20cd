/** `campaign preview` (src/commands/campaign/preview.ts) in-process with a fake terminal. test/messages-cli.test.ts and others run it as a process. */
import { run as preview } from '../../../src/commands/campaign/preview.js';
import { InputError } from '../../../src/errors.js';
import { tempDir, writeCampaign } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/campaign/preview.js';

isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

test("prints the row's headers and text part on stdout; --raw with --open is refused", async () => {
  const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\nbob@example.com,Bob\n' });
  const io = fakeIo();
  await preview({ file: campaign.file, row: 2 }, io);
  expect(io.out).toMatch(/^To: bob@example\.com\nSubject: Hello Bob\n\n--- text ---\nHi Bob,\s*\nthis is a test\.\n--- html ---\n/);
  expect(io.err).toBe('');
  await expect(preview({ file: campaign.file, row: 1, raw: true, open: true }, fakeIo())).rejects.toThrow(
    new InputError('--raw and --open do not go together: --raw prints the MIME message, --open shows the page'),
  );
});
