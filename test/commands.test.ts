/** Commands run in-process with a fake terminal (commands/io.ts): what they print, ask and refuse, without spawning a process. */
import { run as addAccount } from '../src/commands/accounts/add.js';
import { run as listAccounts } from '../src/commands/accounts/list.js';
import { run as resumeCampaign } from '../src/commands/campaign/resume.js';
import { run as validateCampaign } from '../src/commands/campaign/validate.js';
import { InputError } from '../src/errors.js';
import { tempDir, writeCampaign } from './helpers/cli.js';
import { fakeIo, isolatedEnv } from './helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../src/campaign/validate.js';
import '../src/commands/progress.js';
import '../src/delivery/wait.js';
import '../src/system/keep-awake.js';
import '../src/system/notify.js';

isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-'), MAILSHOT_SECRET_STORE: 'file' }));

test('campaign validate prints the recipients and the rows it would skip on stdout', async () => {
  const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\nnot-an-address,X\nann@example.com,Again\n' });
  const io = fakeIo();
  await validateCampaign({ file: campaign.file }, io);
  expect(io.out).toContain(`${campaign.file}: OK — 1 recipient(s) to send`);
  expect(io.out).toMatch(/2 row\(s\) will be skipped \(1 invalid address, 1 duplicate\)/);
  expect(io.err).toBe('');
});

test('accounts add smtp asks for the password on a terminal, without echo, then lists the account', async () => {
  const io = fakeIo({ tty: true, answer: 'pa55word' });
  await addAccount({ kind: 'smtp', name: 'work', host: 'smtp.example.com', port: 587, user: 'me@example.com' }, io);
  expect(io.asked).toEqual([{ question: 'Password for me@example.com@smtp.example.com: ', secret: true }]);
  expect(io.err).toContain('added account "work" (smtp.example.com:587, starttls, user me@example.com, secret: file)');
  expect(io.err).not.toContain('pa55word');

  const list = fakeIo();
  await listAccounts({ json: true }, list);
  expect(JSON.parse(list.out)).toEqual([expect.objectContaining({ name: 'work', host: 'smtp.example.com', secret: 'file' })]);
  expect(list.out).not.toContain('pa55word');
});

test('off a terminal, accounts add smtp refuses to ask and says how to give the password; nothing is saved', async () => {
  const io = fakeIo({ tty: false });
  await expect(addAccount({ kind: 'smtp', name: 'work', host: 'smtp.example.com', user: 'me' }, io)).rejects.toThrow(
    new InputError('--user me needs a password: pipe it with --password-stdin, or name a variable with --password-env'),
  );
  expect(io.asked).toEqual([]);
  const list = fakeIo();
  await listAccounts({}, list);
  expect(list.err).toContain('no accounts yet');
});

test('campaign resume of a campaign never started is bad input, and sends nothing', async () => {
  const campaign = await writeCampaign();
  await expect(resumeCampaign({ file: campaign.file, inDoubt: 'resend' }, fakeIo())).rejects.toThrow(
    /has not been started .*use `mailshot campaign send`/,
  );
});
