import { access, appendFile } from 'node:fs/promises';
import path from 'node:path';
import { LaterError } from '../errors.js';
import { Journal } from '../store/journal.js';
import type { AfterDeliveryEvent } from '../store/journal-line.js';
import { acquireLock } from '../store/lock.js';

/**
 * Appends what came back after delivery to a campaign's journal; false when the campaign's state folder
 * is gone (moved or reset). With the campaign's lock free, the journal is opened as a run opens it (a
 * line a crash cut short is cut off first). While a run holds the lock, that run has done so already,
 * and one O_APPEND write of a whole line cannot interleave with its lines.
 */
export async function noteInJournal(stateDir: string, events: AfterDeliveryEvent[]): Promise<boolean> {
  const file = path.join(stateDir, 'journal.jsonl');
  if (
    !(await access(file).then(
      () => true,
      () => false,
    ))
  )
    return false;
  let release: (() => Promise<void>) | undefined;
  try {
    release = await acquireLock(path.join(stateDir, 'lock'));
  } catch (error) {
    if (!(error instanceof LaterError)) throw error;
  }
  try {
    if (!release) {
      await appendFile(file, events.map((event) => JSON.stringify(event) + '\n').join(''), { flag: 'a' });
      return true;
    }
    const journal = await Journal.open(file, () => undefined);
    try {
      await Promise.all(events.map((event) => journal.append(event)));
    } finally {
      await journal.close();
    }
    return true;
  } finally {
    await release?.();
  }
}
