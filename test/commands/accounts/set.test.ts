/** `accounts set` (src/commands/accounts/set.ts) in-process with a fake terminal. test/account-limits.test.ts runs it as a process. */
import { run as add } from '../../../src/commands/accounts/add.js';
import { run as set } from '../../../src/commands/accounts/set.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
import { fileSecretsEnv } from '../../helpers/smtp.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/accounts/registry.js';
import '../../../src/accounts/limits.js';

isolatedEnv(fileSecretsEnv);

test('says what changed, or what it can change', async () => {
  await add({ kind: 'ses', name: 'eu', region: 'eu-west-1', rate: '10/s' }, fakeIo());
  await expect(set({ name: 'eu' }, fakeIo())).rejects.toThrow(/^name at least one thing to change: --max-concurrent, --rate/);
  const changed = fakeIo();
  await set({ name: 'eu', dailyLimit: 5000 }, changed);
  expect(changed.err).toBe('mailshot: limits of "eu": 10/s, 5000 per 24 h\n');
});
