/**
 * The `accounts` verbs (src/commands/accounts/) run in-process with a fake terminal: what each prints where,
 * and what it refuses before anything is stored. test/accounts-cli.test.ts and the provider tests run them as processes.
 */
import { run as add } from '../../src/commands/accounts/add.js';
import { run as list } from '../../src/commands/accounts/list.js';
import { run as remove } from '../../src/commands/accounts/remove.js';
import { run as set } from '../../src/commands/accounts/set.js';
import { run as testAccount } from '../../src/commands/accounts/test.js';
import { InputError } from '../../src/errors.js';
import { fakeIo, isolatedEnv } from '../helpers/io.js';
import { closedPort, fileSecretsEnv } from '../helpers/smtp.js';
import { startSmtpServer } from '../servers/smtp.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../src/accounts/registry.js';
import '../../src/accounts/limits.js';
import '../../src/accounts/verify.js';

isolatedEnv(fileSecretsEnv);

async function noAccounts(): Promise<boolean> {
  const io = fakeIo();
  await list({}, io);
  return io.err.includes('no accounts yet');
}

describe('accounts add', () => {
  test('a missing server, a port out of range, an empty --password-stdin and a region that is not one are refused; nothing is stored', async () => {
    await expect(add({ kind: 'smtp', name: 'a' }, fakeIo())).rejects.toThrow(
      new InputError('name the server with --host HOST, or a provider with --service (see --help)'),
    );
    await expect(add({ kind: 'smtp', name: 'a', host: 'h.example.com', port: 70000 }, fakeIo())).rejects.toThrow(
      new InputError('--port 70000: a port is 1 to 65535'),
    );
    const emptyStdin = fakeIo({ stdin: '\n' });
    await expect(add({ kind: 'smtp', name: 'a', host: 'h.example.com', user: 'u', passwordStdin: true }, emptyStdin)).rejects.toThrow(
      new InputError('--password-stdin: standard input was empty'),
    );
    await expect(add({ kind: 'ses', name: 's', region: 'europe' }, fakeIo())).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('--region europe: not an AWS region'),
    });
    expect(await noAccounts()).toBe(true);
  });
});

describe('accounts list, set and remove', () => {
  test('list shows a line per account; set says what changed, or what it can change; remove says so', async () => {
    await add({ kind: 'ses', name: 'eu', region: 'eu-west-1', rate: '10/s' }, fakeIo());
    const listed = fakeIo();
    await list({}, listed);
    expect(listed.out).toBe('eu\tses\tAmazon SES eu-west-1, credentials: the AWS default chain (none stored), 10/s\n');
    await expect(set({ name: 'eu' }, fakeIo())).rejects.toThrow(/^name at least one thing to change: --max-concurrent, --rate/);
    const changed = fakeIo();
    await set({ name: 'eu', dailyLimit: 5000 }, changed);
    expect(changed.err).toBe('mailshot: limits of "eu": 10/s, 5000 per 24 h\n');
    const removed = fakeIo();
    await remove({ name: 'eu' }, removed);
    expect(removed.err).toBe('mailshot: removed account "eu"\n');
    expect(await noAccounts()).toBe(true);
  });
});

describe('accounts test', () => {
  test('signs in to a real server and prints OK with what it found; an unreachable one stops, with the JSON verdict on stdout', async () => {
    const server = await startSmtpServer({ auth: { user: 'me', pass: 'pw-123' } });
    try {
      const adding = fakeIo({ stdin: 'pw-123\n' });
      await add(
        { kind: 'smtp', name: 'ok', host: server.host, port: server.port, security: 'none', user: 'me', passwordStdin: true },
        adding,
      );
      const io = fakeIo();
      await testAccount({ name: 'ok' }, io);
      expect(io.out).toMatch(
        /^ok: OK\n {2}server: 127\.0\.0\.1:\d+\n {2}greeting: 220 mx\.test ESMTP\n {2}encrypted: no\n {2}authentication: accepted for me\n$/,
      );
      expect(io.out).not.toContain('pw-123');
    } finally {
      await server.close();
    }
    await add({ kind: 'smtp', name: 'closed', host: '127.0.0.1', port: await closedPort(), security: 'none' }, fakeIo());
    const json = fakeIo();
    await expect(testAccount({ name: 'closed', json: true }, json)).rejects.toMatchObject({ exitCode: 1 });
    expect(JSON.parse(json.out)).toMatchObject({ account: 'closed', ok: false, kind: 'config', code: 'ECONNREFUSED' });
  });
});
