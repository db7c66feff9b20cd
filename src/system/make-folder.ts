import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * `mkdir -p` that always ends. Node's own recursive mkdir never returns for a path under /proc or /sys: the
 * kernel answers ENOENT for the child of a parent that exists, and Node takes that as "make the parent first",
 * forever. Here a folder is made only once its parent is known to exist, so that ENOENT is final.
 */
export async function makeFolder(dir: string, mode?: number): Promise<void> {
  const parent = path.dirname(dir);
  if (parent !== dir && !(await isFolder(parent))) await makeFolder(parent, mode);
  await mkdir(dir, { mode }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST' || !(await isFolder(dir))) throw error;
  });
}

const isFolder = (dir: string) =>
  stat(dir).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
