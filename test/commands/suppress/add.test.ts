/** `suppress add` (src/commands/suppress/add.ts) in-process with a fake terminal. test/suppress.test.ts runs it as a process. */
import { run as add } from '../../../src/commands/suppress/add.js';
import { InputError } from '../../../src/errors.js';
import { suppressionListOf } from '../../../src/suppress/open.js';
import { tempDir } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/campaign/address.js';
import '../../../src/suppress/identity.js';

const outbox = { account: 'outbox' };
isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

test('one address that is not one refuses them all, naming it (exit 2); nothing is added', async () => {
  const refusal = add({ ...outbox, addresses: ['ann@example.com', 'not-an-address'], reason: 'manual' }, fakeIo());
  await expect(refusal).rejects.toThrow(new InputError('not an email address: "not-an-address"; nothing was added'));
  await expect(refusal).rejects.toMatchObject({ exitCode: 2 });
  expect((await suppressionListOf('outbox')).all()).toEqual([]);
});

test('says what it added on stderr, or as one JSON line on stdout with --json', async () => {
  const io = fakeIo();
  await add({ ...outbox, addresses: [' Ann@Example.com '], reason: 'bounced' }, io);
  expect([io.out, io.err]).toEqual(['', 'mailshot: suppressed 1 address(es) for outbox\n']);
  const again = fakeIo();
  await add({ ...outbox, json: true, addresses: ['ann@example.com', 'bob@example.com'], reason: 'manual' }, again);
  expect([JSON.parse(again.out), again.err]).toEqual([{ identity: 'outbox', added: 1, already: 1 }, '']);
});
