import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { runCli, tempDir } from './helpers/cli.js';
import { runInProcess } from './helpers/in-process.js';

const password = 'correct-horse-battery-staple-7731';

async function configFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).map((name) => path.join(dir, name));
}

describe('accounts add / list / remove (SMTP)', () => {
  let config: string;
  const env = () => ({ MAILSHOT_CONFIG_DIR: config, MAILSHOT_SECRET_STORE: 'file' });
  beforeEach(async () => {
    config = await tempDir('mailshot-config-');
  });

  test('a password from stdin goes to the owner-only secret file, never to the registry or the output', async () => {
    const added = await runCli(
      [
        'accounts',
        'add',
        'smtp',
        'work',
        '--host',
        'smtp.example.com',
        '--user',
        'me@example.com',
        '--password-stdin',
        '--max-concurrent',
        '3',
      ],
      { env: env(), input: `${password}\n` },
    );
    expect(added.code).toBe(0);
    expect(added.stderr).toContain('added account "work"');
    expect(added.stderr).toContain('smtp.example.com:587, starttls');

    const listed = await runInProcess(['accounts', 'list', '--json'], { env: env() });
    expect(listed.code).toBe(0);
    const [account] = JSON.parse(listed.stdout);
    expect(account).toMatchObject({
      name: 'work',
      kind: 'smtp',
      host: 'smtp.example.com',
      port: 587,
      security: 'starttls',
      user: 'me@example.com',
      secret: 'file',
      limits: { maxConcurrent: 3 },
    });
    expect(listed.stdout + added.stdout + added.stderr).not.toContain(password);

    const secretFile = path.join(config, 'secrets.json');
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(secretFile, 'utf8'))).toEqual({ work: password });
    for (const file of await configFiles(config)) {
      if (file === secretFile) continue;
      expect(await readFile(file, 'utf8')).not.toContain(password);
      expect((await stat(file)).mode & 0o077).toBe(0);
    }

    const removed = await runCli(['accounts', 'remove', 'work'], { env: env() });
    expect(removed.code).toBe(0);
    expect(JSON.parse(await readFile(secretFile, 'utf8'))).toEqual({});
    expect(JSON.parse((await runInProcess(['accounts', 'list', '--json'], { env: env() })).stdout)).toEqual([]);
  });

  test('port 465 means implicit TLS; --insecure-tls is shown by list', async () => {
    expect(
      (await runCli(['accounts', 'add', 'smtp', 'mail', '--host', 'mx.example.com', '--port', '465', '--insecure-tls'], { env: env() }))
        .code,
    ).toBe(0);
    const listed = await runInProcess(['accounts', 'list'], { env: env() });
    expect(listed.stdout).toMatch(/mail\tsmtp\tmx\.example\.com:465, tls, INSECURE TLS/);
  });

  test('--password-env stores nothing and needs the variable to be set', async () => {
    const unset = await runCli(
      ['accounts', 'add', 'smtp', 'envy', '--host', 'h.example.com', '--user', 'u', '--password-env', 'MAILSHOT_TEST_UNSET_VAR'],
      { env: env() },
    );
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('MAILSHOT_TEST_UNSET_VAR');
    expect(unset.stderr).toContain('not set');
    const set = await runCli(['accounts', 'add', 'smtp', 'envy', '--host', 'h.example.com', '--user', 'u', '--password-env', 'SMTP_PW'], {
      env: { ...env(), SMTP_PW: password },
    });
    expect(set.code).toBe(0);
    const [account] = JSON.parse((await runInProcess(['accounts', 'list', '--json'], { env: env() })).stdout);
    expect(account).toMatchObject({ secret: 'env', passwordEnv: 'SMTP_PW' });
    for (const file of await configFiles(config)) expect(await readFile(file, 'utf8')).not.toContain(password);
  });

  test.each([
    ['duplicate name', ['accounts', 'add', 'smtp', 'dup', '--host', 'a.example.com'], 'exists already'],
    ['bad port', ['accounts', 'add', 'smtp', 'p', '--host', 'a.example.com', '--port', '70000'], '1 to 65535'],
    ['port not a number', ['accounts', 'add', 'smtp', 'p', '--host', 'a.example.com', '--port', 'abc'], 'whole number'],
    ['unknown --security', ['accounts', 'add', 'smtp', 's', '--host', 'a.example.com', '--security', 'ssl'], 'tls, starttls, none'],
    ['missing --host', ['accounts', 'add', 'smtp', 'h'], '--host'],
    ['reserved name', ['accounts', 'add', 'smtp', 'outbox', '--host', 'a.example.com'], 'built-in outbox'],
    [
      'password as plain argument',
      ['accounts', 'add', 'smtp', 'x', '--host', 'a.example.com', '--password', 'hunter2'],
      "unknown option '--password'",
    ],
    [
      'user without a password source off a terminal',
      ['accounts', 'add', 'smtp', 'u', '--host', 'a.example.com', '--user', 'me'],
      '--password-stdin',
    ],
    ['unknown account for test', ['accounts', 'test', 'nope'], 'no account named "nope"'],
    ['unknown account for remove', ['accounts', 'remove', 'nope'], 'no account named "nope"'],
  ])('%s: exit 2, a clear message, nothing half-written', async (_name, args, fragment) => {
    await runCli(['accounts', 'add', 'smtp', 'dup', '--host', 'a.example.com'], { env: env() });
    const before = await readFile(path.join(config, 'accounts.json'), 'utf8');
    const result = await runCli(args, { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(fragment);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(path.join(config, 'accounts.json'), 'utf8')).toBe(before);
  });
});
