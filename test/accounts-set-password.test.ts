/**
 * `accounts set NAME --password-stdin|--password-env VAR`: a wrong SMTP password fixed without removing
 * and re-adding the account; the old secret gone, the new one never in the registry or the output.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, writeCampaign } from './helpers/cli.js';
import { addAccount, fileSecretsEnv, smtpServersPerTest, type Env } from './helpers/smtp.js';

const start = smtpServersPerTest();
const user = 'sender@example.com';
const password = 'right-password-5521';

let env: Env & { MAILSHOT_CONFIG_DIR: string };
beforeEach(async () => {
  env = await fileSecretsEnv();
});

const configText = async () =>
  (await readFile(path.join(env.MAILSHOT_CONFIG_DIR, 'config.json'), 'utf8').catch(() => '')) +
  (await readFile(path.join(env.MAILSHOT_CONFIG_DIR, 'secrets.json'), 'utf8').catch(() => ''));

test('--password-stdin replaces a wrong stored password: the account signs in and sends, the old one is gone', async () => {
  const server = await start({ auth: { user, pass: password } });
  await addAccount(env, 'work', server, { user, password: 'wrong-password-0000' });
  expect((await runCli(['accounts', 'test', 'work'], { env })).code).toBe(1);

  const set = await runCli(['accounts', 'set', 'work', '--password-stdin'], { env, input: `${password}\n` });
  expect(set.code).toBe(0);
  expect(set.stderr).toBe('mailshot: password of "work" replaced: stored (file); check it with `mailshot accounts test work`\n');
  const secrets = await configText();
  expect(secrets).toContain(password);
  expect(secrets).not.toContain('wrong-password-0000');

  const tested = await runCli(['accounts', 'test', 'work'], { env });
  expect(tested.stdout).toContain(`authentication: accepted for ${user}`);
  const campaign = await writeCampaign();
  expect((await runCli(['campaign', 'send', campaign.file, '--via', 'work', '--yes'], { env })).code).toBe(0);
  expect(server.received).toHaveLength(2);
});

test('--password-env VAR: read from the variable from now on, the stored password deleted', async () => {
  const server = await start({ auth: { user, pass: password } });
  await addAccount(env, 'work', server, { user, password: 'wrong-password-0000' });
  const missing = await runCli(['accounts', 'set', 'work', '--password-env', 'WORK_PASSWORD'], { env });
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('--password-env WORK_PASSWORD: that variable is not set; export it first');

  const withVariable = { ...env, WORK_PASSWORD: password };
  const set = await runCli(['accounts', 'set', 'work', '--password-env', 'WORK_PASSWORD'], { env: withVariable });
  expect(set.code).toBe(0);
  expect(set.stderr).toContain('password of "work" replaced: read from $WORK_PASSWORD at every send');
  expect(await configText()).not.toContain('wrong-password-0000');
  const listed = JSON.parse((await runCli(['accounts', 'list', '--json'], { env })).stdout) as { passwordEnv?: string; secret: string }[];
  expect(listed[0]).toMatchObject({ passwordEnv: 'WORK_PASSWORD', secret: 'env' });
  const tested = await runCli(['accounts', 'test', 'work'], { env: withVariable });
  expect(tested.stdout).toContain(`authentication: accepted for ${user}`);
});

test('refused with one clear line: an account without a user name, an empty stdin, an unknown account', async () => {
  const server = await start();
  await addAccount(env, 'open', server);
  const noUser = await runCli(['accounts', 'set', 'open', '--password-stdin'], { env, input: 'x\n' });
  expect(noUser).toMatchObject({
    code: 2,
    stderr: 'mailshot: account "open" has no user name, so no password; remove it and add it again with --user\n',
  });
  await addAccount(env, 'work', server, { user, password });
  const empty = await runCli(['accounts', 'set', 'work', '--password-stdin'], { env, input: '' });
  expect(empty).toMatchObject({ code: 2, stderr: 'mailshot: --password-stdin: standard input was empty\n' });
  expect(await configText()).toContain(password);
  const unknown = await runCli(['accounts', 'set', 'nobody', '--password-stdin'], { env, input: 'x\n' });
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('nobody');
});
