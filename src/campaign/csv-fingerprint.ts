import { createHash } from 'node:crypto';
import { statSync, type Stats } from 'node:fs';
import { openRegularFile } from '../system/safe-file.js';

/**
 * What identifies the bytes of the recipients file between two looks at it: any write changes the
 * change time (which no tool sets back), a file saved by replacing it has another inode.
 */
export interface CsvFingerprint {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

export function fingerprintOf(info: Stats): CsvFingerprint {
  return { size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino };
}

export function sameFingerprint(a: CsvFingerprint | undefined, b: CsvFingerprint | undefined): boolean {
  return !!a && !!b && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}

/**
 * The file at `file` now; undefined when it is gone. Synchronous: the send loop looks before every
 * hand-off, and a stat through the thread pool costs tens of µs of CPU where the system call costs one.
 */
export function currentFingerprint(file: string): CsvFingerprint | undefined {
  try {
    const info = statSync(file, { throwIfNoEntry: false });
    return info && fingerprintOf(info);
  } catch {
    return undefined;
  }
}

/**
 * SHA-256 of the first `length` bytes of the file, which must end a line; undefined when the file is
 * shorter, the prefix does not end a line, or (with `expected`) the file is not, before and after
 * the reading, the one that fingerprint describes.
 */
export async function prefixDigest(file: string, length: number, expected?: CsvFingerprint): Promise<string | undefined> {
  if (expected && !sameFingerprint(currentFingerprint(file), expected)) return undefined;
  const handle = await openRegularFile(file).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.alloc(Math.min(Math.max(length, 1), 1024 * 1024));
    let last = -1;
    for (let position = 0; position < length;) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, length - position), position);
      if (bytesRead === 0) return undefined;
      hash.update(buffer.subarray(0, bytesRead));
      last = buffer[bytesRead - 1];
      position += bytesRead;
    }
    if (length > 0 && last !== 0x0a) return undefined;
    if (expected && !sameFingerprint(fingerprintOf(await handle.stat()), expected)) return undefined;
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}
