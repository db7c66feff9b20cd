/**
 * `accounts add smtp NAME --service X`: each preset's server is nodemailer's well-known entry and its
 * limits are the row of the presets table; explicit flags win; and a Gmail account with an app password
 * sends through a local server standing in for smtp.gmail.com (MAILSHOT_SERVICE_GMAIL_HOST).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { presetNames, presets } from '../src/accounts/presets.js';
import { runCli, writeCampaign } from './helpers/cli.js';
import { certificateFile, fileSecretsEnv, smtpServersPerTest, type Env } from './helpers/smtp.js';
import { runInProcess } from './helpers/in-process.js';

const start = smtpServersPerTest();
const services = JSON.parse(
  await readFile(createRequire(import.meta.url).resolve('nodemailer/lib/well-known/services.json'), 'utf8'),
) as Record<string, { host: string; port: number; secure?: boolean }>;

let env: Env;
beforeEach(async () => {
  env = { ...(await fileSecretsEnv()), PRESET_PASSWORD: 'app-password-1234' };
});

async function listed(): Promise<Record<string, unknown>[]> {
  const result = await runInProcess(['accounts', 'list', '--json'], { env });
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>[];
}

test.each(presetNames)('--service %s: the server from nodemailer, the limits from its row of the table', async (name) => {
  const added = await runCli(['accounts', 'add', 'smtp', 'acct', '--service', name, '--user', 'me', '--password-env', 'PRESET_PASSWORD'], {
    env,
  });
  expect(added.stderr).toContain('added account "acct" (preset ' + name);
  expect(added.code).toBe(0);
  const service = services[presets[name].service];
  const [account] = await listed();
  expect(account).toMatchObject({
    preset: name,
    host: service.host,
    port: service.port,
    security: service.secure ? 'tls' : 'starttls',
    limits: presets[name].limits,
  });
  expect((await runInProcess(['accounts', 'list'], { env })).stdout).toMatch(new RegExp(`^acct\\tsmtp\\tpreset ${name}, ${service.host}:`));
});

test('explicit flags override the preset, field by field', async () => {
  const args = ['--service', 'ses', '--host', 'email-smtp.eu-west-1.amazonaws.com', '--rate', '14/s', '--daily-limit', '50000'];
  const added = await runCli(['accounts', 'add', 'smtp', 'ses', ...args, '--user', 'AKIA', '--password-env', 'PRESET_PASSWORD'], { env });
  expect(added.code).toBe(0);
  const [account] = await listed();
  expect(account).toMatchObject({
    preset: 'ses',
    host: 'email-smtp.eu-west-1.amazonaws.com',
    port: 465,
    security: 'tls',
    limits: { ...presets.ses.limits, rate: '14/s', dailyLimit: 50000 },
  });
});

test('neither --host nor --service: one clear line, exit 2, nothing saved', async () => {
  const result = await runCli(['accounts', 'add', 'smtp', 'acct', '--user', 'me', '--password-env', 'PRESET_PASSWORD'], { env });
  expect(result.code).toBe(2);
  expect(result.stderr).toBe('mailshot: name the server with --host HOST, or a provider with --service (see --help)\n');
  expect(await listed()).toEqual([]);
});

test('the help says what each service takes as the password, and where to make it', async () => {
  const help = await runCli(['accounts', 'add', 'smtp', '--help'], { env });
  for (const name of presetNames) {
    expect(help.stdout).toContain(
      `  ${name.padEnd(10)} ${presets[name].password} (at most ${presets[name].recipientsPerMessage} recipients a message)`,
    );
  }
  expect(help.stdout).toContain('myaccount.google.com/apppasswords');
});

test('--service gmail with an app password: signs in and sends over implicit TLS to the stand-in for smtp.gmail.com', async () => {
  const user = 'you@gmail.com';
  const appPassword = 'abcd efgh ijkl mnop';
  const server = await start({ security: 'tls', auth: { user, pass: appPassword } });
  env = { ...env, MAILSHOT_SERVICE_GMAIL_HOST: `127.0.0.1:${server.port}`, NODE_EXTRA_CA_CERTS: await certificateFile(server) };
  const added = await runCli(['accounts', 'add', 'smtp', 'gmail', '--service', 'gmail', '--user', user, '--password-stdin'], {
    env,
    input: `${appPassword}\n`,
  });
  expect(added.code).toBe(0);
  const tested = await runCli(['accounts', 'test', 'gmail'], { env });
  expect(tested.stdout).toContain(`authentication: accepted for ${user}`);
  expect(tested.stdout).toContain('encrypted: yes');
  const campaign = await writeCampaign({ fields: { from: user } });
  const sent = await runCli(['campaign', 'send', campaign.file, '--via', 'gmail', '--yes'], { env });
  expect(sent.code).toBe(0);
  expect(server.received.map((message) => message.to).sort()).toEqual([['ann@example.com'], ['bob@example.com']]);
});
