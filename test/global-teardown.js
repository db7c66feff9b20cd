import { readFileSync, rmSync } from 'node:fs';

/** Jest's globalTeardown: removes the temporary folders the tests made (MAILSHOT_TEST_KEEP=1 keeps them to look at). */
export default function globalTeardown() {
  const list = process.env.MAILSHOT_TEST_FOLDERS;
  if (!list) return;
  const folders = readFileSync(list, 'utf8').split('\n').filter(Boolean);
  if (process.env.MAILSHOT_TEST_KEEP !== '1') for (const folder of folders) removeQuietly(folder);
  removeQuietly(list);
}

/** A folder a test made unreadable, or one still in use, is left behind rather than failing the run. */
function removeQuietly(target) {
  try {
    rmSync(target, { recursive: true, force: true });
  } catch {
    // left behind
  }
}
