/**
 * `accounts add` (src/commands/accounts/add.ts) in-process with a fake terminal: what it asks, prints and refuses
 * before anything is stored. test/accounts-cli.test.ts and the provider tests run it as a process.
 */
import { run as add } from '../../../src/commands/accounts/add.js';
import { run as list } from '../../../src/commands/accounts/list.js';
import { InputError } from '../../../src/errors.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
import { fileSecretsEnv } from '../../helpers/smtp.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/accounts/registry.js';
import '../../../src/accounts/limits.js';

isolatedEnv(fileSecretsEnv);

async function noAccounts(): Promise<boolean> {
  const io = fakeIo();
  await list({}, io);
  return io.err.includes('no accounts yet');
}

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

test('smtp asks for the password on a terminal, without echo, then lists the account', async () => {
  const io = fakeIo({ tty: true, answer: 'pa55word' });
  await add({ kind: 'smtp', name: 'work', host: 'smtp.example.com', port: 587, user: 'me@example.com' }, io);
  expect(io.asked).toEqual([{ question: 'Password for me@example.com@smtp.example.com: ', secret: true }]);
  expect(io.err).toContain('added account "work" (smtp.example.com:587, starttls, user me@example.com, secret: file)');
  expect(io.err).not.toContain('pa55word');

  const listed = fakeIo();
  await list({ json: true }, listed);
  expect(JSON.parse(listed.out)).toEqual([expect.objectContaining({ name: 'work', host: 'smtp.example.com', secret: 'file' })]);
  expect(listed.out).not.toContain('pa55word');
});

test('off a terminal, smtp refuses to ask and says how to give the password; nothing is saved', async () => {
  const io = fakeIo({ tty: false });
  await expect(add({ kind: 'smtp', name: 'work', host: 'smtp.example.com', user: 'me' }, io)).rejects.toThrow(
    new InputError('--user me needs a password: pipe it with --password-stdin, or name a variable with --password-env'),
  );
  expect(io.asked).toEqual([]);
  expect(await noAccounts()).toBe(true);
});
