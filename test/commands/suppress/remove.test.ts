/** `suppress remove` (src/commands/suppress/remove.ts) in-process with a fake terminal. test/suppress.test.ts runs it as a process. */
import { run as remove } from '../../../src/commands/suppress/remove.js';
import { suppressionListOf } from '../../../src/suppress/open.js';
import { tempDir } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the command: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/suppress/identity.js';

const outbox = { account: 'outbox' };
isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

test('says what it removed and what was not on the list on stderr, or as one JSON line on stdout with --json', async () => {
  await (
    await suppressionListOf('outbox')
  ).add([
    { address: 'ann@example.com', reason: 'bounced' },
    { address: 'bob@example.com', reason: 'manual' },
  ]);
  const removed = fakeIo();
  await remove({ ...outbox, addresses: ['bob@example.com', 'cid@example.com'] }, removed);
  expect(removed.err).toBe("mailshot: removed 1 address(es) from outbox's list (1 were not on it)\n");
  const removedJson = fakeIo();
  await remove({ ...outbox, json: true, addresses: ['ann@example.com'] }, removedJson);
  expect(JSON.parse(removedJson.out)).toEqual({ identity: 'outbox', removed: 1, not_found: 0 });
});
