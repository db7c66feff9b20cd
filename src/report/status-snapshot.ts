import path from 'node:path';
import { readPrivate, writeOwnerOnly } from '../system/owner-only.js';
import { journalTail } from '../store/journal-tail.js';
import type { AfterDeliveryEvent, RecipientEvent } from '../store/journal-line.js';
import type { StatePaths } from '../store/state.js';
import { countReason, countRecipient, JournalFold, type Settled } from './summary.js';

/**
 * `campaign status` keeps what it folded from the journal (status-snapshot.json in the state folder), so
 * the next one reads only the lines after it. Recipients whose last event is final (sent, failed,
 * skipped: nothing more is ever written for them) and the rejected rows are kept as counts; those still
 * open (in doubt, deferred), what came back after delivery, runs, limit changes and the per-minute
 * timeline as they are. It holds while the journal still has the same bytes before its offset; else
 * status reads everything.
 */
interface Snapshot {
  version: 2;
  campaignId: string;
  journal: { offset: number; tail: string };
  fold: {
    open: [string, RecipientEvent][];
    lines: [string, number][];
    after: [string, AfterDeliveryEvent][];
    limitChanges: JournalFold['limitChanges'];
    runs: JournalFold['runs'];
    perMinute: [number, { sent: number; failed: number; deferred: number }][];
    name?: string;
    settled: Settled;
  };
}

/** Below this many journal lines read, a status does not write a snapshot: reading them is quick. */
export const worthSaving = 20_000;

const snapshotFile = (paths: StatePaths) => path.join(paths.dir, 'status-snapshot.json');

export async function loadSnapshot(paths: StatePaths, campaignId: string): Promise<{ fold: JournalFold; offset: number } | undefined> {
  const bytes = await readPrivate(snapshotFile(paths));
  if (!bytes) return undefined;
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(bytes.toString('utf8')) as Snapshot;
  } catch {
    return undefined;
  }
  if (snapshot.version !== 2 || snapshot.campaignId !== campaignId) return undefined;
  if ((await journalTail(paths.journal, snapshot.journal.offset)) !== snapshot.journal.tail) return undefined;
  const saved = snapshot.fold;
  const fold = new JournalFold();
  const lines = new Map(saved.lines);
  for (const [key, event] of saved.open) fold.keep(event, lines.get(key));
  for (const [key, event] of saved.after) fold.after.set(key, event);
  for (const [minute, counts] of saved.perMinute) fold.perMinute.set(minute, counts);
  fold.limitChanges.push(...saved.limitChanges);
  fold.runs.push(...saved.runs);
  fold.name = saved.name;
  Object.assign(fold.settled, saved.settled);
  return { fold, offset: snapshot.journal.offset };
}

/**
 * Writes the snapshot of a fold that read the journal up to `size` bytes; best effort. A journal that
 * grew while it was read (a run in progress) is not snapshotted: the fold holds lines beyond `size`.
 */
export async function saveSnapshot(paths: StatePaths, campaignId: string, fold: JournalFold, size: number | undefined): Promise<void> {
  try {
    const tail = size === undefined ? undefined : await journalTail(paths.journal, size);
    const grown = size !== undefined && (await readPrivate(paths.journal, size, 1))?.length;
    if (size === undefined || tail === undefined || grown) return;
    const settled = structuredClone(fold.settled);
    const open: [string, RecipientEvent][] = [];
    const lines: [string, number][] = [];
    for (let slot = 0; slot < fold.recipients.size; slot++) {
      const counted = fold.recipients.counted(slot);
      if (counted.status !== 'in_doubt' && counted.status !== 'deferred') {
        countRecipient(settled, counted);
        continue;
      }
      const event = fold.kept.get(slot)!;
      open.push([event.to, event]);
      const line = fold.recipients.line(slot);
      if (line !== undefined) lines.push([event.to, line]);
    }
    for (const row of fold.rejected) countReason(settled.skippedByReason, row.reason);
    settled.rejected += fold.rejected.length;
    const snapshot: Snapshot = {
      version: 2,
      campaignId,
      journal: { offset: size, tail },
      fold: {
        open,
        lines,
        after: [...fold.after],
        limitChanges: fold.limitChanges,
        runs: fold.runs,
        perMinute: [...fold.perMinute],
        name: fold.name,
        settled,
      },
    };
    await writeOwnerOnly(snapshotFile(paths), JSON.stringify(snapshot) + '\n');
  } catch {
    // no snapshot: the next status reads the whole journal
  }
}
