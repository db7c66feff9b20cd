import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { StopError } from '../errors.js';
import { quote } from './cron.js';
import { makeFolder } from './make-folder.js';

/**
 * Folders that hold secrets, accounts and campaign state must be the user's alone: another local user
 * who may write into one can plant a symbolic link (and receive the next secret written through it)
 * or replace a file (an account pointed at her server). So the folder and everything in it must be
 * owned by the current user, not writable by group or others, and hold no symbolic link. Files in them
 * are opened without following a link and checked again once open. Where there is no uid (Windows)
 * none of this applies.
 */
const myUid = process.getuid?.();

/**
 * Refuses (exit 1, naming the path and the command that fixes it) a folder that another user owns or
 * may write to, or that holds such an entry or a symbolic link. Subfolders are checked `depth` levels
 * down. A folder that does not exist yet passes: it is created owner-only.
 */
export async function checkOwnerOnlyFolder(dir: string, what: string, depth = 1): Promise<void> {
  if (myUid === undefined) return;
  let info: Stats;
  try {
    info = await lstat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  // A folder of yours reached through a link of yours (a dotfiles checkout) is checked where it leads;
  // links inside it are refused below, before any recursion.
  if (info.isSymbolicLink() && info.uid === myUid) info = await stat(dir);
  refuseUnsafe(dir, info, what);
  if (!info.isDirectory() || depth === 0) return;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return; // unreadable (mode 000): what reads it next reports that in its own words
  }
  for (const name of names) {
    const entry = path.join(dir, name);
    const entryInfo = await lstat(entry).catch(() => undefined); // removed meanwhile: nothing to check
    if (!entryInfo) continue;
    refuseUnsafe(entry, entryInfo, `a file in ${what}`);
    if (entryInfo.isDirectory()) await checkOwnerOnlyFolder(entry, what, depth - 1);
  }
}

/**
 * Opens a secret, account, state or journal file without following a symbolic link (O_NOFOLLOW), then
 * checks the open file itself: a regular file, the user's, not writable by others. 'r' returns
 * undefined when the file does not exist; 'a+' creates it (mode 0600). `dsync`: every write is durable when it returns.
 */
export async function openOwnerOnly(file: string, mode: 'r' | 'a+', { dsync = false } = {}): Promise<FileHandle | undefined> {
  const flags =
    (mode === 'r' ? constants.O_RDONLY : constants.O_RDWR | constants.O_APPEND | constants.O_CREAT) | (dsync ? constants.O_DSYNC : 0);
  let handle: FileHandle;
  try {
    handle = await open(file, flags | (constants.O_NOFOLLOW ?? 0), 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && mode === 'r') return undefined;
    if (code === 'ELOOP') throw symbolicLink(file);
    throw error;
  }
  try {
    const info = await handle.stat();
    refuseUnsafe(file, info, 'this file');
    if (!info.isFile())
      throw new StopError(
        `${file} is not a regular file; move it away (\`mv ${quote(file)} ${quote(`${file}.moved`)}\`) and run the command again`,
      );
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

/** The whole text of an owner-only file (see openOwnerOnly), or undefined when there is none. */
export async function readOwnerOnly(file: string): Promise<string | undefined> {
  const handle = await openOwnerOnly(file, 'r');
  if (!handle) return undefined;
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Creates a folder owner-only (0700) with its parents; one that cannot be made stops the command (exit 1),
 * naming it.
 */
export async function createOwnerOnlyFolder(dir: string): Promise<void> {
  try {
    await makeFolder(dir, 0o700);
  } catch (error) {
    throw new StopError(`cannot create ${dir}: ${(error as Error).message}; check that the config folder is yours and writable`);
  }
}

/** An owner-only file (see openOwnerOnly) opened for appending, created 0600; a failure stops, naming the file. */
export async function openOwnerOnlyForAppend(file: string): Promise<FileHandle> {
  return (await stopNaming(file, openOwnerOnly(file, 'a+')))!;
}

/** The text of an owner-only file (see openOwnerOnly), '' when there is none yet; a failure stops, naming the file. */
export async function readOwnerOnlyOrEmpty(file: string): Promise<string> {
  return (await stopNaming(file, readOwnerOnly(file))) ?? '';
}

async function stopNaming<T>(file: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof StopError) throw error;
    throw new StopError(`cannot open ${file}: ${(error as Error).message}`);
  }
}

/**
 * Bytes of an owner-only file (see openOwnerOnly): the whole file, or `length` bytes from `position`.
 * Undefined when it cannot be read — missing, a symbolic link, another user's: what it would have saved is redone.
 */
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

/**
 * Replaces an owner-only file atomically, mode 0600. A symbolic link or another user's file in its
 * place is refused, and the new file is the current user's: write-file-atomic would otherwise hand it
 * to the previous file's owner when running as root, so its owner is given explicitly.
 */
export async function writeOwnerOnly(file: string, text: string | Buffer): Promise<void> {
  const existing = await lstat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing) refuseUnsafe(file, existing, 'this file');
  const chown = myUid === undefined ? undefined : { uid: myUid, gid: process.getgid!() };
  // loaded when first used: commands that only read (status, validate, accounts list) do without it
  const { default: writeFileAtomic } = await import('write-file-atomic');
  await writeFileAtomic(file, text, { mode: 0o600, chown });
}

/**
 * Removes what an interrupted writeOwnerOnly of `file` left behind: write-file-atomic's temporary copy
 * (`<file>.<hex>`), written in full before the rename that a kill -9 may have prevented. It holds what
 * the file was to hold — for secrets.json, every secret.
 */
export async function removeLeftoverCopies(file: string): Promise<void> {
  const base = path.basename(file);
  const names = await readdir(path.dirname(file)).catch(() => []);
  for (const name of names) {
    if (name.startsWith(`${base}.`) && /^[0-9a-f]+$/.test(name.slice(base.length + 1)))
      await rm(path.join(path.dirname(file), name), { force: true });
  }
}

function refuseUnsafe(file: string, info: Stats, what: string): void {
  if (myUid === undefined) return;
  if (info.isSymbolicLink()) throw symbolicLink(file);
  if (info.uid !== myUid) {
    throw new StopError(
      `${file} (${what}) belongs to another user (uid ${info.uid}; you are uid ${myUid}), who could read or change what mailshot keeps there; ` +
        `mailshot did not use it. If it is yours, take it back (\`sudo chown -R ${myUid} ${quote(file)}\`); otherwise remove it`,
    );
  }
  if (info.mode & 0o022) {
    const fix = info.isDirectory() ? `chmod 700 ${quote(file)}` : `chmod 600 ${quote(file)}`;
    throw new StopError(
      `${file} (${what}) may be changed by other users (mode ${(info.mode & 0o777).toString(8)}); mailshot did not use it. Make it yours alone: \`${fix}\``,
    );
  }
}

function symbolicLink(file: string): StopError {
  return new StopError(
    `${file} is a symbolic link, which mailshot does not follow here (another user could aim it at a file of theirs); replace it with the file itself (\`rm ${quote(file)}\`)`,
  );
}
