import { createHash } from 'node:crypto';
import { openOwnerOnly } from '../system/owner-only.js';

/**
 * What a checkpoint or a status snapshot keeps to prove the journal still holds the very lines they read
 * up to `offset` (they skip them): the SHA-256 of those bytes, or undefined when the journal is shorter.
 * Hashing the whole prefix, not only its end, means a line edited or damaged anywhere before the offset
 * voids them: every command then reads that line, and judges it the same way.
 */
export async function journalTail(file: string, offset: number): Promise<string | undefined> {
  const handle = await openOwnerOnly(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (let position = 0; position < offset;) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, offset - position), position);
      if (bytesRead === 0) return undefined;
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    return hash.digest('hex');
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
