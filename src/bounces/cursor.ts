import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { configDir } from '../auth/config-dir.js';
import { InputError, StopError } from '../errors.js';
import { createOwnerOnlyFolder, readOwnerOnlyOrEmpty } from '../system/owner-only.js';

/**
 * Where `bounces check` stopped reading an account's mailbox: IMAP's UIDVALIDITY and the last UID
 * handled; for Gmail and Graph the ids handled within the look-back window. `<config>/bounces/<account>.json`.
 */
export interface MailboxCursor {
  imap?: { uidValidity: string; lastUid: number };
  /** Provider message ids already handled, with their receive time (ms), pruned once older than the window. */
  seen?: Record<string, number>;
  /** The newest receive time handled (ms): the next API query starts a day before it. */
  newest?: number;
  checkedAt?: string;
}

export function bouncesDir(): string {
  return path.join(configDir(), 'bounces');
}

function cursorFile(account: string): string {
  return path.join(bouncesDir(), `${account}.json`);
}

export async function readCursor(account: string): Promise<MailboxCursor> {
  const file = cursorFile(account);
  const text = await readOwnerOnlyOrEmpty(file);
  if (!text) return {};
  try {
    return JSON.parse(text) as MailboxCursor;
  } catch {
    throw new InputError(
      `${file}: damaged (not JSON); remove it to read the mailbox from the start again (already suppressed addresses stay)`,
    );
  }
}

export async function writeCursor(account: string, cursor: MailboxCursor): Promise<void> {
  await createOwnerOnlyFolder(bouncesDir());
  const file = cursorFile(account);
  try {
    await writeFileAtomic(file, JSON.stringify({ ...cursor, checkedAt: new Date().toISOString() }) + '\n', { mode: 0o600 });
  } catch (error) {
    throw new StopError(`cannot write ${file}: ${(error as Error).message}; free disk space or fix the config folder`);
  }
}
