/**
 * The `campaign` verbs (src/commands/campaign/) run in-process with a fake terminal: what each prints where, and
 * what it refuses. The process-level tests (bad-input, cron-cli, outbox-send, lock …) run them as users do.
 */
import { run as cron } from '../../src/commands/campaign/cron.js';
import { run as preview } from '../../src/commands/campaign/preview.js';
import { run as reset } from '../../src/commands/campaign/reset.js';
import { run as send } from '../../src/commands/campaign/send.js';
import { run as unlock } from '../../src/commands/campaign/unlock.js';
import { InputError } from '../../src/errors.js';
import { tempDir, writeCampaign } from '../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../src/campaign/preview.js';
import '../../src/commands/progress.js';
import '../../src/delivery/cron-entry.js';
import '../../src/delivery/reset.js';
import '../../src/delivery/unlock.js';
import '../../src/delivery/wait.js';
import '../../src/system/keep-awake.js';
import '../../src/system/notify.js';

isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

describe('campaign preview', () => {
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
});

describe('campaign send, cron, unlock and reset', () => {
  test('a send to the outbox returns 0; cron prints the resume line; unlock finds no lock; reset says where the state is kept', async () => {
    const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\n' });
    const sent = fakeIo();
    expect(await send({ file: campaign.file, inDoubt: 'resend', json: true }, sent)).toBe(0);
    const events = sent.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string });
    expect(events.at(-1)).toMatchObject({ type: 'end', status: 'done' });
    const line = fakeIo();
    await cron({ file: campaign.file, every: 5 }, line);
    expect(line.out).toMatch(/^\*\/5 \* \* \* \* .* campaign resume '[^']+campaign\.yaml' .*\n$/);
    const unlocked = fakeIo();
    await unlock({ file: campaign.file }, unlocked);
    expect(unlocked.err).toBe(`mailshot: ${campaign.file} is not locked; nothing to do\n`);
    const kept = fakeIo();
    await reset({ file: campaign.file }, kept);
    expect(kept.err).toMatch(
      /^mailshot: the campaign's state is kept in .+; the next `mailshot campaign send .+` starts from the first recipient\n$/,
    );
  });
});
