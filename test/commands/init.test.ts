/** `mailshot init` (src/commands/init.ts) in-process with a fake terminal. test/init-completion.test.ts runs it as a process. */
import path from 'node:path';
import { run as init } from '../../src/commands/init.js';
import { tempDir } from '../helpers/cli.js';
import { fakeIo } from '../helpers/io.js';
// Loaded here as well as lazily by the command: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../src/campaign/starter.js';

test('writes the starter campaign and says what to run next; a second init into the same folder is refused', async () => {
  const dir = await tempDir();
  const io = fakeIo();
  await init({ dir }, io);
  expect(io.out).toMatch(/^Wrote .*campaign\.yaml.*\nNext: edit them, then\n {2}mailshot campaign validate /);
  await expect(init({ dir }, fakeIo())).rejects.toThrow(
    new RegExp(`^${path.join(dir, 'campaign.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.* already exist\\(s\\); init never overwrites`),
  );
});
