/** `suppress list` (src/commands/suppress/list.ts) in-process with a fake terminal. test/suppress.test.ts runs it as a process. */
import { run as list } from '../../../src/commands/suppress/list.js';
import { InputError } from '../../../src/errors.js';
import { suppressionListOf } from '../../../src/suppress/open.js';
import { tempDir } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/suppress/identity.js';

const outbox = { account: 'outbox' };
isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

test('list: a line per address on stdout (detail shown printable), the count on stderr; --json: identity, count, entries', async () => {
  await (
    await suppressionListOf('outbox')
  ).add([{ address: 'ann@example.com', reason: 'bounced', detail: '550\tno\u001b[31m such user', at: '2026-11-30T10:00:00.000Z' }]);
  const io = fakeIo();
  await list(outbox, io);
  expect(io.out).toBe('ann@example.com\tbounced\t2026-11-30T10:00:00.000Z\t550\\tno\\u001b[31m such user\n');
  expect(io.err).toBe('mailshot: 1 address(es) suppressed for outbox\n');
  const json = fakeIo();
  await list({ ...outbox, json: true }, json);
  expect(JSON.parse(json.out)).toEqual({
    identity: 'outbox',
    count: 1,
    entries: [{ address: 'ann@example.com', reason: 'bounced', at: '2026-11-30T10:00:00.000Z', detail: '550\tno\u001b[31m such user' }],
  });
});

test('without --account and with no account linked, the user is told to name one', async () => {
  await expect(list({}, fakeIo())).rejects.toThrow(new InputError('name the account with --account NAME (or "outbox")'));
});
