/** `suppress export` (src/commands/suppress/export.ts) in-process with a fake terminal. test/suppress.test.ts runs it as a process. */
import { run as exportList } from '../../../src/commands/suppress/export.js';
import { suppressionListOf } from '../../../src/suppress/open.js';
import { tempDir } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/suppress/identity.js';

const outbox = { account: 'outbox' };
isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

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
