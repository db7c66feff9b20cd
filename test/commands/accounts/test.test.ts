/** `accounts test` (src/commands/accounts/test.ts) in-process with a fake terminal, against a real SMTP server. */
import { run as add } from '../../../src/commands/accounts/add.js';
import { run as testAccount } from '../../../src/commands/accounts/test.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
import { closedPort, fileSecretsEnv } from '../../helpers/smtp.js';
import { startSmtpServer } from '../../servers/smtp.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/accounts/registry.js';
import '../../../src/accounts/limits.js';
import '../../../src/accounts/verify.js';

isolatedEnv(fileSecretsEnv);

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
