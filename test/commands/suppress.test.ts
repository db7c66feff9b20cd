/**
 * The `suppress` verbs (src/commands/suppress/) run in-process with a fake terminal: what each prints where,
 * and what it refuses. test/suppress.test.ts runs them as processes.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run as add } from '../../src/commands/suppress/add.js';
import { run as exportList } from '../../src/commands/suppress/export.js';
import { run as importCsv } from '../../src/commands/suppress/import.js';
import { run as list } from '../../src/commands/suppress/list.js';
import { run as remove } from '../../src/commands/suppress/remove.js';
import { InputError } from '../../src/errors.js';
import { suppressionListOf } from '../../src/suppress/open.js';
import { tempDir } from '../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../src/campaign/address.js';
import '../../src/suppress/identity.js';
import '../../src/suppress/import.js';

const outbox = { account: 'outbox' };
isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

describe('suppress add and remove', () => {
  test('one address that is not one refuses them all, naming it (exit 2); nothing is added', async () => {
    const refusal = add({ ...outbox, addresses: ['ann@example.com', 'not-an-address'], reason: 'manual' }, fakeIo());
    await expect(refusal).rejects.toThrow(new InputError('not an email address: "not-an-address"; nothing was added'));
    await expect(refusal).rejects.toMatchObject({ exitCode: 2 });
    expect((await suppressionListOf('outbox')).all()).toEqual([]);
  });

  test('say what changed on stderr, or as one JSON line on stdout with --json', async () => {
    const io = fakeIo();
    await add({ ...outbox, addresses: [' Ann@Example.com '], reason: 'bounced' }, io);
    expect([io.out, io.err]).toEqual(['', 'mailshot: suppressed 1 address(es) for outbox\n']);
    const again = fakeIo();
    await add({ ...outbox, json: true, addresses: ['ann@example.com', 'bob@example.com'], reason: 'manual' }, again);
    expect([JSON.parse(again.out), again.err]).toEqual([{ identity: 'outbox', added: 1, already: 1 }, '']);
    const removed = fakeIo();
    await remove({ ...outbox, addresses: ['bob@example.com', 'cid@example.com'] }, removed);
    expect(removed.err).toBe("mailshot: removed 1 address(es) from outbox's list (1 were not on it)\n");
    const removedJson = fakeIo();
    await remove({ ...outbox, json: true, addresses: ['ann@example.com'] }, removedJson);
    expect(JSON.parse(removedJson.out)).toEqual({ identity: 'outbox', removed: 1, not_found: 0 });
  });

  test('without --account and with no account linked, the user is told to name one', async () => {
    await expect(list({}, fakeIo())).rejects.toThrow(new InputError('name the account with --account NAME (or "outbox")'));
  });
});

describe('suppress list and export', () => {
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

  test('export: CSV whose formula-like cells a spreadsheet shows as text; on a terminal control characters are escaped; --json: the entries', async () => {
    await (
      await suppressionListOf('outbox')
    ).add([
      { address: '+cmd@example.com', reason: 'manual', at: '2026-11-30T10:00:00.000Z' },
      { address: 'ann@example.com', reason: 'bounced', detail: 'bell\u0007', at: '2026-11-30T10:00:00.000Z' },
    ]);
    const piped = fakeIo({ stdout: false });
    await exportList(outbox, piped);
    expect(piped.out.split('\n')).toEqual([
      'email,reason,at,detail',
      "'+cmd@example.com,manual,2026-11-30T10:00:00.000Z,",
      'ann@example.com,bounced,2026-11-30T10:00:00.000Z,bell\u0007',
      '',
    ]);
    const terminal = fakeIo({ stdout: true });
    await exportList(outbox, terminal);
    expect(terminal.out).toContain('ann@example.com,bounced,2026-11-30T10:00:00.000Z,bell\\u0007\n');
    const json = fakeIo();
    await exportList({ ...outbox, json: true }, json);
    expect(JSON.parse(json.out).map((entry: { address: string }) => entry.address)).toEqual(['+cmd@example.com', 'ann@example.com']);
  });
});

describe('suppress import', () => {
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
});
