import { constants } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { StopError } from '../errors.js';

/**
 * Files under the config folder that hold personal data (addresses, where a mailbox was read up to):
 * owner-only (folder 0700, file 0600) and never opened through a symbolic link.
 */
export async function ownerFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StopError(`cannot create ${dir}: ${(error as Error).message}; check that the config folder is yours and writable`);
  }
}

/** Opens for appending, creating it owner-only. */
export async function openForAppend(file: string): Promise<FileHandle> {
  return openOwnerFile(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
}

/** The file's text, or '' when there is none yet. */
export async function readOwnerFile(file: string): Promise<string> {
  const handle = await openOwnerFile(file, constants.O_RDONLY, true);
  if (!handle) return '';
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

async function openOwnerFile(file: string, flags: number, missingIsEmpty?: false): Promise<FileHandle>;
async function openOwnerFile(file: string, flags: number, missingIsEmpty: true): Promise<FileHandle | undefined>;
async function openOwnerFile(file: string, flags: number, missingIsEmpty = false): Promise<FileHandle | undefined> {
  try {
    return await open(file, flags | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && missingIsEmpty) return undefined;
    const why =
      code === 'ELOOP'
        ? 'it is a symbolic link, which mailshot does not follow; replace it with the file itself'
        : (error as Error).message;
    throw new StopError(`cannot open ${file}: ${why}`);
  }
}
