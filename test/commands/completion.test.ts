/** `mailshot completion` (src/commands/completion.ts) in-process with a fake terminal. test/init-completion.test.ts runs it in real shells. */
import { Command } from 'commander';
import { run as completion } from '../../src/commands/completion.js';
import { fakeIo } from '../helpers/io.js';
// Loaded here as well as lazily by the command: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../src/system/completion.js';

test("prints a script that completes the program's own commands and flags", async () => {
  const program = new Command('mailshot');
  program.command('campaign').command('send').option('--rate <n/unit>');
  const io = fakeIo();
  await completion({ shell: 'bash', program }, io);
  expect(io.out).toContain('complete');
  expect(io.out).toContain('campaign');
  expect(io.out).toContain('--rate');
});
