/**
 * The verbs without a noun (src/commands/init.ts, report.ts, completion.ts) run in-process with a fake terminal.
 * test/init-completion.test.ts and test/report-cli.test.ts run them as processes.
 */
import { Command } from 'commander';
import path from 'node:path';
import { run as completion } from '../../src/commands/completion.js';
import { run as init } from '../../src/commands/init.js';
import { run as report } from '../../src/commands/report.js';
import { InputError } from '../../src/errors.js';
import { tempDir } from '../helpers/cli.js';
import { fakeIo } from '../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../src/campaign/starter.js';
import '../../src/system/completion.js';

test('init writes the starter campaign and says what to run next; a second init into the same folder is refused', async () => {
  const dir = await tempDir();
  const io = fakeIo();
  await init({ dir }, io);
  expect(io.out).toMatch(/^Wrote .*campaign\.yaml.*\nNext: edit them, then\n {2}mailshot campaign validate /);
  await expect(init({ dir }, fakeIo())).rejects.toThrow(
    new RegExp(`^${path.join(dir, 'campaign.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.* already exist\\(s\\); init never overwrites`),
  );
});

test('report --open goes with --format html only', async () => {
  await expect(report({ file: 'campaign.yaml', format: 'table', open: true }, fakeIo())).rejects.toThrow(
    new InputError('--open goes with --format html'),
  );
});

test("completion prints a script that completes the program's own commands and flags", async () => {
  const program = new Command('mailshot');
  program.command('campaign').command('send').option('--rate <n/unit>');
  const io = fakeIo();
  await completion({ shell: 'bash', program }, io);
  expect(io.out).toContain('complete');
  expect(io.out).toContain('campaign');
  expect(io.out).toContain('--rate');
});
