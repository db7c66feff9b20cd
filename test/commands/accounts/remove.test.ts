/** `accounts remove` (src/commands/accounts/remove.ts) in-process with a fake terminal. test/accounts-cli.test.ts runs it as a process. */
import { run as add } from '../../../src/commands/accounts/add.js';
import { run as list } from '../../../src/commands/accounts/list.js';
import { run as remove } from '../../../src/commands/accounts/remove.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
import { fileSecretsEnv } from '../../helpers/smtp.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/accounts/registry.js';
import '../../../src/accounts/limits.js';
import '../../../src/accounts/remove.js';

isolatedEnv(fileSecretsEnv);

test('says so, and the account is gone; an unknown name is bad input', async () => {
  await add({ kind: 'ses', name: 'eu', region: 'eu-west-1' }, fakeIo());
  const removed = fakeIo();
  await remove({ name: 'eu' }, removed);
  expect(removed.err).toBe('mailshot: removed account "eu"\n');
  const listed = fakeIo();
  await list({}, listed);
  expect(listed.err).toContain('no accounts yet');
  await expect(remove({ name: 'eu' }, fakeIo())).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('"eu"') });
});
