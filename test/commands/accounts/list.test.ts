/** `accounts list` (src/commands/accounts/list.ts) in-process with a fake terminal. test/accounts-cli.test.ts runs it as a process. */
import { run as add } from '../../../src/commands/accounts/add.js';
import { run as list } from '../../../src/commands/accounts/list.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
import { fileSecretsEnv } from '../../helpers/smtp.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/accounts/registry.js';
import '../../../src/accounts/limits.js';

isolatedEnv(fileSecretsEnv);

test('without accounts: says campaigns go to the outbox and how to link one; --json: an empty list', async () => {
  const io = fakeIo();
  await list({}, io);
  expect(io.out).toBe('');
  expect(io.err).toMatch(/^mailshot: no accounts yet; campaigns go to the outbox\. Link one with `mailshot accounts add smtp NAME/);
  const json = fakeIo();
  await list({ json: true }, json);
  expect([JSON.parse(json.out), json.err]).toEqual([[], '']);
});

test('a line per account: name, kind, where and its limits', async () => {
  await add({ kind: 'ses', name: 'eu', region: 'eu-west-1', rate: '10/s' }, fakeIo());
  const io = fakeIo();
  await list({}, io);
  expect(io.out).toBe('eu\tses\tAmazon SES eu-west-1, credentials: the AWS default chain (none stored), 10/s\n');
});
