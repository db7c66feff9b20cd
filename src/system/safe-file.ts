import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * Files a campaign names (its templates, recipients and attachments) are read only when they are
 * regular files outside the operating system's own trees. /proc/self/environ says it is a regular file
 * and holds the sender's environment, passwords included; /dev/zero never ends; a FIFO or a socket
 * blocks the read for ever. Each is refused every time the file is opened, whatever an earlier check
 * found. Errors carry a message worded to follow "cannot read FILE: ".
 */
const systemTrees = ['/proc', '/sys', '/dev'];

export interface ReadLimits {
  maxBytes: number;
  timeoutMs: number;
}

/** Opens a campaign's file for reading after the checks above; the caller closes it. */
export async function openRegularFile(file: string): Promise<FileHandle> {
  const real = await realpath(file);
  if (process.platform !== 'win32' && systemTrees.some((tree) => real === tree || real.startsWith(`${tree}/`))) {
    throw refusal(`it is a file of the operating system (${real}), never part of a message`);
  }
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before the check below runs.
  const handle = await open(real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw Object.assign(new Error('it is a folder'), { code: 'EISDIR' });
    if (!info.isFile()) throw refusal('it is a device, FIFO or socket, not a regular file');
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

/** The whole of a campaign's file, refused when it is larger than `maxBytes` or takes longer than `timeoutMs` to read. */
export async function readRegularFile(file: string, { maxBytes, timeoutMs }: ReadLimits): Promise<Buffer> {
  const handle = await openRegularFile(file);
  try {
    if ((await handle.stat()).size > maxBytes) throw tooLarge(maxBytes);
    const bytes = await handle.readFile({ signal: AbortSignal.timeout(timeoutMs) }).catch((error: unknown) => {
      if ((error as Error).name === 'AbortError' || (error as Error).name === 'TimeoutError') {
        throw refusal(`reading it took longer than ${timeoutMs / 1000} seconds (a stalled network drive?)`);
      }
      throw error;
    });
    if (bytes.length > maxBytes) throw tooLarge(maxBytes); // it grew while being read
    return bytes;
  } finally {
    await handle.close();
  }
}

/** True when `real` (a resolved path) is `dir` or inside it. */
export function isInside(real: string, dir: string): boolean {
  const inside = path.relative(dir, real);
  return inside !== '..' && !inside.startsWith(`..${path.sep}`) && !path.isAbsolute(inside);
}

function tooLarge(maxBytes: number): Error {
  return refusal(`it is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`);
}

function refusal(message: string): Error {
  return Object.assign(new Error(message), { code: 'EREFUSED_FILE' });
}
