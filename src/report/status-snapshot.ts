import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { journalTail, readPrivate } from '../store/checkpoint.js';
import type { RecipientEvent } from '../store/journal.js';
import type { StatePaths } from '../store/state.js';
import { countReason, type Fold } from './summary.js';

/**
 * `campaign status` keeps what it folded from the journal (status-snapshot.json in the state folder), so
 * the next one reads only the lines after it. Recipients whose last event is final (sent, failed,
 * skipped: nothing more is ever written for them) are kept as counts; those still open (in doubt,
 * deferred), the rejected rows' counts, runs, limit changes and the per-minute timeline as they are. It
 * holds while the journal still has the same bytes before its offset; else status reads everything.
 */
interface Snapshot {
  version: 1;
  campaignId: string;
  journal: { offset: number; tail: string };
  fold: Omit<Fold, 'last' | 'perMinute' | 'rejected'> & { last: [string, RecipientEvent][]; perMinute: [number, Fold['perMinute'] extends Map<number, infer V> ? V : never][] };
}

/** Below this many journal lines read, a status does not write a snapshot: reading them is quick. */
export const worthSaving = 20_000;

const snapshotFile = (paths: StatePaths) => path.join(paths.dir, 'status-snapshot.json');

export async function loadSnapshot(paths: StatePaths, campaignId: string): Promise<{ fold: Fold; offset: number } | undefined> {
  const bytes = await readPrivate(snapshotFile(paths));
  if (!bytes) return undefined;
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(bytes.toString('utf8')) as Snapshot;
  } catch {
    return undefined;
  }
  if (snapshot.version !== 1 || snapshot.campaignId !== campaignId) return undefined;
  if ((await journalTail(paths.journal, snapshot.journal.offset)) !== snapshot.journal.tail) return undefined;
  const { fold } = snapshot;
  return { fold: { ...fold, last: new Map(fold.last), perMinute: new Map(fold.perMinute), rejected: [] }, offset: snapshot.journal.offset };
}

/**
 * Writes the snapshot of a fold that read the journal up to `size` bytes; best effort. A journal that
 * grew while it was read (a run in progress) is not snapshotted: the fold holds lines beyond `size`.
 */
export async function saveSnapshot(paths: StatePaths, campaignId: string, fold: Fold, size: number | undefined): Promise<void> {
  try {
    const tail = size === undefined ? undefined : await journalTail(paths.journal, size);
    if (size === undefined || tail === undefined || (await journalTail(paths.journal, size + 1)) !== undefined) return;
    const { last, perMinute, rejected, settled, ...rest } = fold;
    const tally = { ...settled.tally };
    const skippedByReason = { ...settled.skippedByReason };
    const failedByReason = { ...settled.failedByReason };
    const open: [string, RecipientEvent][] = [];
    for (const [key, event] of last) {
      if (event.ev === 'attempt' || event.ev === 'deferred') {
        open.push([key, event]);
        continue;
      }
      tally[event.ev]++;
      if (event.ev === 'failed') countReason(failedByReason, event.kind);
      if (event.ev === 'skipped') countReason(skippedByReason, event.reason);
    }
    for (const row of rejected) countReason(skippedByReason, row.reason);
    const snapshot: Snapshot = {
      version: 1,
      campaignId,
      journal: { offset: size, tail },
      fold: { ...rest, last: open, perMinute: [...perMinute], settled: { tally, skippedByReason, failedByReason, rejected: settled.rejected + rejected.length } },
    };
    await writeFileAtomic(snapshotFile(paths), JSON.stringify(snapshot) + '\n', { mode: 0o600 });
  } catch {
    // no snapshot: the next status reads the whole journal
  }
}
