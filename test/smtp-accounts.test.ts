/**
 * `accounts test NAME` against real SMTP servers started here (test/servers/smtp.ts): plain, STARTTLS
 * and implicit TLS on a self-signed certificate, AUTH PLAIN/LOGIN with right and wrong passwords,
 * nothing listening. It must connect and sign in without ever sending a message. Also the keychain
 * path, where a Secret Service is reachable (MAILSHOT_TEST_KEYCHAIN=1).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runCli, writeCampaign } from './helpers/cli.js';
import { addAccount, certificateFile, closedPort, fileSecretsEnv, receivedCounts, smtpServersPerTest, type Env } from './helpers/smtp.js';
import { runInProcess } from './helpers/in-process.js';

const start = smtpServersPerTest();

let env: Env;
beforeEach(async () => {
  env = await fileSecretsEnv();
});

const user = 'sender@example.com';
const password = 'Tr0ub4dor&3-smtp';

/** Output that must never appear in `accounts test`: a stack trace. */
const stackTrace = /\n\s+at /;

describe('accounts test on a plain server', () => {
  test('exit 0, prints the greeting, encryption and authentication facts; sends nothing', async () => {
    const server = await start({ name: 'plain.mx.test' });
    await addAccount(env, 'plain', server);
    const result = await runCli(['accounts', 'test', 'plain'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^plain: OK\n/);
    expect(result.stdout).toContain(`server: ${server.host}:${server.port}`);
    expect(result.stdout).toMatch(/greeting: 220 plain\.mx\.test\b/);
    expect(result.stdout).toContain('encrypted: no');
    expect(result.stdout).toContain('authentication: none configured');
    expect(server.connectionsOpened).toBe(1);
    expect(server.received).toEqual([]);
  });

  test('--json: one object with ok, the account name and the same facts', async () => {
    const server = await start({ name: 'plain.mx.test', auth: { user, pass: password } });
    await addAccount(env, 'plain', server, { user, password });
    const result = await runCli(['accounts', 'test', 'plain', '--json'], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      account: 'plain',
      ok: true,
      server: `${server.host}:${server.port}`,
      greeting: expect.stringMatching(/^220 plain\.mx\.test\b/),
      encrypted: 'no',
      authentication: `accepted for ${user}`,
    });
    expect(server.received).toEqual([]);
  });
});

describe('accounts test with AUTH', () => {
  test.each(['PLAIN', 'LOGIN'] as const)('AUTH %s with the right password: exit 0, "accepted for <user>"', async (method) => {
    const server = await start({ auth: { user, pass: password }, authMethods: [method] });
    await addAccount(env, 'work', server, { user, password });
    const result = await runCli(['accounts', 'test', 'work'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`authentication: accepted for ${user}`);
    expect(server.authAttempts).toEqual([{ method, user, ok: true }]);
    expect(server.received).toEqual([]);
  });

  test("a wrong password: exit 1, the server's 535 reply and how to fix it", async () => {
    const server = await start({ auth: { user, pass: password } });
    await addAccount(env, 'work', server, { user, password: 'not-the-password' });
    const result = await runCli(['accounts', 'test', 'work'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('account "work"');
    expect(result.stderr).toContain('535 5.7.8 Username and Password not accepted.');
    expect(result.stderr).toMatch(/check the user name and password/);
    expect(result.stderr).toContain('give the right password with mailshot accounts set work --password-stdin');
    expect(result.stderr).not.toMatch(stackTrace);
    expect(result.stdout).toBe('');
    expect(server.authAttempts).toEqual([{ method: 'PLAIN', user, ok: false }]);
    expect(server.received).toEqual([]);
  });

  test('a wrong password with --json: ok false, kind auth, the reply code; the message on stderr', async () => {
    const server = await start({ auth: { user, pass: password } });
    await addAccount(env, 'work', server, { user, password: 'not-the-password' });
    const result = await runCli(['accounts', 'test', 'work', '--json'], { env });
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout);
    expect(json).toEqual({
      account: 'work',
      ok: false,
      kind: 'auth',
      code: '535 5.7.8',
      error: expect.stringContaining('535 5.7.8 Username and Password not accepted.'),
    });
    expect(result.stderr).toContain('535 5.7.8');
    expect(result.stdout + result.stderr).not.toContain('not-the-password');
  });

  test('a server that requires AUTH, an account without a user: exit 1, names authentication', async () => {
    const server = await start({ auth: { user, pass: password } });
    await addAccount(env, 'anon', server);
    // verify() does not sign in without a user; the server only says so at MAIL FROM, so test passes …
    const tested = await runCli(['accounts', 'test', 'anon'], { env });
    expect(tested.code).toBe(0);
    expect(tested.stdout).toContain('authentication: none configured');
    // … and the send says what is wrong before anything goes out.
    const campaign = await writeCampaign();
    const sent = await runCli(['campaign', 'send', campaign.file, '--via', 'anon'], { env });
    expect(sent.stderr).toMatch(/530|authentication/i);
    expect(sent.code).toBe(1);
    expect(server.received).toEqual([]);
  });
});

describe('accounts test with TLS on a self-signed certificate', () => {
  test('STARTTLS: rejected (exit 1, names the certificate and --insecure-tls); accepted with --insecure-tls', async () => {
    const server = await start({ security: 'starttls', auth: { user, pass: password } });
    await addAccount(env, 'strict', server, { security: 'starttls', user, password });
    const rejected = await runCli(['accounts', 'test', 'strict'], { env });
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/TLS certificate of 127\.0\.0\.1:\d+ is not trusted/);
    expect(rejected.stderr).toMatch(/self[- ]signed/i);
    expect(rejected.stderr).toContain('--insecure-tls');
    expect(rejected.stderr).not.toMatch(stackTrace);
    expect(server.authAttempts).toEqual([]); // the password never went over an untrusted channel

    await addAccount(env, 'trusting', server, { security: 'starttls', user, password, args: ['--insecure-tls'] });
    const accepted = await runCli(['accounts', 'test', 'trusting'], { env });
    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain('encrypted: yes');
    expect(accepted.stdout).toContain(`authentication: accepted for ${user}`);
    expect(server.received).toEqual([]);
  });

  test('STARTTLS: accepted without --insecure-tls when NODE_EXTRA_CA_CERTS trusts the certificate', async () => {
    const server = await start({ security: 'starttls', auth: { user, pass: password } });
    await addAccount(env, 'strict', server, { security: 'starttls', user, password });
    const result = await runCli(['accounts', 'test', 'strict'], { env: { ...env, NODE_EXTRA_CA_CERTS: await certificateFile(server) } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('encrypted: yes');
    expect(result.stdout).toContain(`authentication: accepted for ${user}`);
  });

  test('implicit TLS on its own port (--security tls): rejected untrusted, accepted when trusted either way', async () => {
    const server = await start({ security: 'tls', auth: { user, pass: password } });
    await addAccount(env, 'strict', server, { security: 'tls', user, password });
    const rejected = await runCli(['accounts', 'test', 'strict', '--json'], { env });
    expect(rejected.code).toBe(1);
    expect(JSON.parse(rejected.stdout)).toMatchObject({
      account: 'strict',
      ok: false,
      kind: 'config',
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    expect(rejected.stderr).toContain('--insecure-tls');

    const trusted = await runCli(['accounts', 'test', 'strict', '--json'], {
      env: { ...env, NODE_EXTRA_CA_CERTS: await certificateFile(server) },
    });
    expect(trusted.code).toBe(0);
    expect(JSON.parse(trusted.stdout)).toMatchObject({ ok: true, encrypted: 'yes', authentication: `accepted for ${user}` });

    await addAccount(env, 'trusting', server, { security: 'tls', user, password, args: ['--insecure-tls'] });
    const insecure = await runCli(['accounts', 'test', 'trusting', '--json'], { env });
    expect(insecure.code).toBe(0);
    expect(JSON.parse(insecure.stdout)).toMatchObject({ ok: true, encrypted: 'yes' });
    expect(server.received).toEqual([]);
  });

  test('a send through the untrusted account stops before sending; with --insecure-tls it goes out encrypted', async () => {
    const server = await start({ security: 'starttls', auth: { user, pass: password } });
    await addAccount(env, 'strict', server, { security: 'starttls', user, password });
    await addAccount(env, 'trusting', server, { security: 'starttls', user, password, args: ['--insecure-tls'] });
    const campaign = await writeCampaign();
    const stopped = await runCli(['campaign', 'send', campaign.file, '--via', 'strict'], { env });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('--insecure-tls');
    expect(server.received).toEqual([]);
    const sent = await runCli(['campaign', 'send', campaign.file, '--via', 'trusting'], { env });
    expect(sent.code).toBe(0);
    expect(server.received.map((message) => [message.to, message.secure, message.user])).toEqual(
      expect.arrayContaining([
        [['ann@example.com'], true, user],
        [['bob@example.com'], true, user],
      ]),
    );
    expect(server.received).toHaveLength(2);
  });
});

describe('TLS unless the account says otherwise', () => {
  test('by default (STARTTLS required) a server that offers no STARTTLS gets no password: test and send stop, exit 1', async () => {
    const server = await start({ auth: { user, pass: password } }); // plain: STARTTLS not offered, AUTH allowed without it
    const added = await runCli(
      ['accounts', 'add', 'smtp', 'default', '--host', server.host, '--port', String(server.port), '--user', user, '--password-stdin'],
      { env, input: password },
    );
    expect(added.code).toBe(0);
    expect(added.stderr).not.toContain('unencrypted');
    const tested = await runCli(['accounts', 'test', 'default'], { env });
    expect(tested.code).toBe(1);
    expect(tested.stderr).toMatch(/STARTTLS|TLS/);
    expect(tested.stderr).toContain('--security');
    expect(tested.stderr).not.toMatch(stackTrace);
    const sent = await runCli(['campaign', 'send', (await writeCampaign()).file, '--via', 'default'], { env });
    expect(sent.code).toBe(1);
    expect(server.authAttempts).toEqual([]); // the password never went over the plain connection
    expect(server.received).toEqual([]);

    // Said explicitly, a plain connection is used (here on loopback, so without a warning).
    const plain = await addAccount(env, 'plain', server, { security: 'none', user, password });
    expect(plain.stderr).not.toContain('unencrypted');
    expect((await runCli(['accounts', 'test', 'plain'], { env })).code).toBe(0);
    expect(server.authAttempts).toEqual([{ method: 'PLAIN', user, ok: true }]);
  });

  test.each([
    ['mail.example.com', ['--security', 'none', '--user', user], true, 'mail.example.com:25, no TLS'],
    ['192.0.2.10', ['--port', '2525', '--security', 'none', '--user', user], true, '192.0.2.10:2525, no TLS'],
    ['mail.example.com', ['--security', 'none'], false, 'mail.example.com:25, no TLS'], // no password to expose
    ['mail.example.com', ['--port', '25', '--user', user], false, 'mail.example.com:25, starttls'], // port 25 still means STARTTLS
    ['localhost', ['--security', 'none', '--user', user], false, 'localhost:25, no TLS'],
  ])(
    'accounts add smtp --host %s %j: warns that the password travels unencrypted: %s; listed as "%s"',
    async (host, flags, warns, listed) => {
      const args = ['accounts', 'add', 'smtp', 'acct', '--host', host, ...flags];
      const result = await runCli(flags.includes('--user') ? [...args, '--password-stdin'] : args, { env, input: password });
      expect(result.code).toBe(0);
      const warning = `--security none: the password of ${user} will travel unencrypted to ${host}`;
      if (warns) expect(result.stderr).toContain(warning);
      else expect(result.stderr).not.toContain('unencrypted');
      expect((await runInProcess(['accounts', 'list'], { env })).stdout).toContain(listed);
    },
  );
});

describe('accounts test where nothing listens', () => {
  test('exit 1: connection refused, check --host and --port', async () => {
    const port = await closedPort();
    await addAccount(env, 'nowhere', { host: '127.0.0.1', port });
    const result = await runCli(['accounts', 'test', 'nowhere'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`connection refused by 127\\.0\\.0\\.1:${port}.*check --host and --port`));
    expect(result.stderr).not.toMatch(stackTrace);

    const json = await runCli(['accounts', 'test', 'nowhere', '--json'], { env });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ account: 'nowhere', ok: false, kind: 'config', code: 'ECONNREFUSED' });
  });
});

/**
 * Runs only where a Secret Service is reachable: CI sets MAILSHOT_TEST_KEYCHAIN=1 when it runs under
 * `dbus-run-session` with an unlocked gnome-keyring. Locally:
 *   dbus-run-session -- sh -c 'echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null;
 *     MAILSHOT_TEST_KEYCHAIN=1 NODE_OPTIONS=--experimental-vm-modules npx jest test/smtp-accounts.test.ts'
 */
const keychainTest = process.env.MAILSHOT_TEST_KEYCHAIN === '1' ? test : test.skip;

/** What the Secret Service holds for an account, read the way mailshot stores it (service "mailshot"). */
async function keychainPassword(account: string): Promise<string | undefined> {
  const { Entry } = await import('@napi-rs/keyring');
  return new Entry('mailshot', account, { linux: { store: 'secret-service' } }).getPassword() ?? undefined;
}

describe('secrets in the OS keychain (Secret Service)', () => {
  keychainTest('add stores the password in the keychain only; a send uses it; remove deletes it', async () => {
    const keychainEnv = { ...env, MAILSHOT_SECRET_STORE: 'keychain' };
    const configDir = env.MAILSHOT_CONFIG_DIR!;
    // a unique name: the keychain outlives this test's config dir
    const name = `kc-${process.pid}-${Date.now()}`;
    const server = await start({ auth: { user, pass: password } });
    try {
      const added = await addAccount(keychainEnv, name, server, { user, password });
      expect(added.stderr).not.toContain('secrets.json');
      const [listed] = JSON.parse((await runInProcess(['accounts', 'list', '--json'], { env: keychainEnv })).stdout);
      expect(listed).toMatchObject({ name, secret: 'keychain' });
      expect(existsSync(path.join(configDir, 'secrets.json'))).toBe(false);

      const tested = await runCli(['accounts', 'test', name], { env: keychainEnv });
      expect(tested.code).toBe(0);
      expect(tested.stdout).toContain(`accepted for ${user}`);
      const campaign = await writeCampaign();
      const sent = await runCli(['campaign', 'send', campaign.file, '--via', name], { env: keychainEnv });
      expect(sent.code).toBe(0);
      expect([...receivedCounts(server)]).toEqual(
        expect.arrayContaining([
          ['ann@example.com', 1],
          ['bob@example.com', 1],
        ]),
      );
      expect(server.received).toHaveLength(2);
    } finally {
      const removed = await runCli(['accounts', 'remove', name], { env: keychainEnv });
      expect(removed.code).toBe(0);
    }
    // the secret went with it (read straight from the Secret Service) …
    expect(await keychainPassword(name)).toBeUndefined();
    // … and the name can be linked again
    await addAccount(keychainEnv, name, server, { user, password });
    expect(await keychainPassword(name)).toBe(password);
    expect((await runCli(['accounts', 'test', name], { env: keychainEnv })).code).toBe(0);
    expect((await runCli(['accounts', 'remove', name], { env: keychainEnv })).code).toBe(0);
    expect(await keychainPassword(name)).toBeUndefined();
    expect(existsSync(path.join(configDir, 'secrets.json'))).toBe(false);
  });
});
