/** `suppress import` (src/commands/suppress/import.ts) in-process with a fake terminal. test/suppress.test.ts runs it as a process. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run as importCsv } from '../../../src/commands/suppress/import.js';
import { suppressionListOf } from '../../../src/suppress/open.js';
import { tempDir } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/suppress/identity.js';
import '../../../src/suppress/import.js';

const outbox = { account: 'outbox' };
isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

test('names the rows it skipped, by line; rows without a reason take --reason; a file without an "email" column is refused', async () => {
  const dir = await tempDir();
  const csv = path.join(dir, 'list.csv');
  await writeFile(csv, 'email,reason\nann@example.com,\nnot-an-address,\nbob@example.com,complained\n');
  const io = fakeIo();
  await importCsv({ ...outbox, file: csv, reason: 'unsubscribed' }, io);
  expect(io.err).toBe(
    'mailshot: imported 2 address(es) into outbox\'s list; 0 already suppressed; 1 row(s) skipped\n  line 3: not an email address "not-an-address"\n',
  );
  const entries = (await suppressionListOf('outbox')).all();
  expect(entries.map((entry) => [entry.address, entry.reason])).toEqual([
    ['ann@example.com', 'unsubscribed'],
    ['bob@example.com', 'complained'],
  ]);
  await writeFile(csv, 'address\nann@example.com\n');
  await expect(importCsv({ ...outbox, file: csv, reason: 'unsubscribed' }, fakeIo())).rejects.toMatchObject({
    exitCode: 2,
    message: expect.stringContaining('no "email" column'),
  });
});
