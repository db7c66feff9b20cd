import { openOwnerOnly } from '../system/owner-only.js';

/** Bytes of the journal a checkpoint or a status snapshot keeps to check that the journal still continues them. */
const tailBytes = 64;

/** The bytes just before `offset` (hex), or undefined when the journal is shorter: what a checkpoint checks it still continues. */
export async function journalTail(file: string, offset: number): Promise<string | undefined> {
  const bytes = await readPrivate(file, Math.max(0, offset - tailBytes), Math.min(offset, tailBytes));
  return bytes && bytes.length === Math.min(offset, tailBytes) ? bytes.toString('hex') : undefined;
}

/** A file of the state folder, never through a symbolic link nor another user's; undefined when it cannot be read. */
export async function readPrivate(file: string, position?: number, length?: number): Promise<Buffer | undefined> {
  const handle = await openOwnerOnly(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    if (position === undefined) return await handle.readFile();
    const buffer = Buffer.alloc(length!);
    const { bytesRead } = await handle.read(buffer, 0, length!, position);
    return buffer.subarray(0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
