/** `mailshot report` (src/commands/report.ts) in-process with a fake terminal. test/report-cli.test.ts and test/report-html.test.ts run it as a process. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { run as report } from '../../src/commands/report.js';
import { run as send } from '../../src/commands/campaign/send.js';
import { InputError } from '../../src/errors.js';
import { tempDir, writeCampaign } from '../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../src/commands/progress.js';
import '../../src/delivery/wait.js';
import '../../src/report/csv.js';
import '../../src/report/fold-campaign.js';
import '../../src/report/html.js';
import '../../src/report/json.js';
import '../../src/report/table.js';
import '../../src/system/keep-awake.js';
import '../../src/system/notify.js';

isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

test('--open goes with --format html only', async () => {
  await expect(report({ file: 'campaign.yaml', format: 'table', open: true }, fakeIo())).rejects.toThrow(
    new InputError('--open goes with --format html'),
  );
});

test('each format of a sent campaign: the table, JSON and CSV on stdout; html written to the state folder, its path printed', async () => {
  const campaign = await writeCampaign();
  expect(await send({ file: campaign.file, inDoubt: 'resend' }, fakeIo())).toBe(0);
  const table = fakeIo();
  await report({ file: campaign.file, format: 'table' }, table);
  expect(table.out).toContain('Recipients  2 valid: sent 2 · failed 0 · pending 0');
  const json = fakeIo();
  await report({ file: campaign.file, format: 'json' }, json);
  expect(JSON.parse(json.out)).toMatchObject({ via: 'outbox', status: 'done', totals: { sent: 2 } });
  const csv = fakeIo();
  await report({ file: campaign.file, format: 'csv', failed: true }, csv);
  expect(csv.out.trim().split('\n')).toHaveLength(1); // the header: nothing failed
  const html = fakeIo();
  await report({ file: campaign.file, format: 'html' }, html);
  expect(html.out).toBe(path.join(campaign.stateDir, 'report.html') + '\n');
  expect(await readFile(html.out.trim(), 'utf8')).toContain('ann@example.com');
});
