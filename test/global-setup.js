import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Jest's globalSetup: a list file where every temporary folder a test makes (tempDir in helpers/cli.ts) is
 * written, so that global-teardown.js can remove them all. The workers inherit the variable.
 */
export default function globalSetup() {
  const list = path.join(os.tmpdir(), `mailshot-test-folders-${process.pid}.txt`);
  writeFileSync(list, '', { mode: 0o600 });
  process.env.MAILSHOT_TEST_FOLDERS = list;
}
