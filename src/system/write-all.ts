import type { FileHandle } from 'node:fs/promises';

/**
 * A write to a nearly full disk may store only part of the buffer and still succeed: the rest must be
 * written (and fail with ENOSPC) before the bytes count as written.
 */
export async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, offset);
    offset += bytesWritten;
  }
}
