import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { currentFingerprint, prefixDigest, sameFingerprint, type CsvFingerprint } from '../campaign/csv-fingerprint.js';
import path from 'node:path';
import { readPrivate, writeOwnerOnly } from '../system/owner-only.js';
import { AddressSet } from '../campaign/address-set.js';
import type { PreparedCampaign } from '../campaign/prepare.js';
import type { RowPosition } from '../campaign/recipients.js';
import { journalTail } from '../store/journal-tail.js';
import { lastEventByRecipient } from '../store/journal.js';
import type { JournalEvent } from '../store/journal-line.js';
import type { StatePaths } from '../store/state.js';

type LastEvent = JournalEvent['ev'];

/**
 * A resume checkpoint, written when a run has gone through the whole list: every CSV row before
 * `prefix.offset` is settled (sent, failed, skipped) or rejected, so a resume reads neither those rows
 * nor the journal before `journal.offset`. The keys of the prefix are kept (checkpoint.keys) so that a
 * duplicate of a finished recipient further down the list is still recognised; `beyond` holds what the
 * journal said, up to its offset, about recipients after the prefix. The CSV is fingerprinted when the
 * run opened it, and no checkpoint is written when it changed after that. A resume starts at the offset
 * only while the CSV is that same file, or still begins with the same bytes (`prefix.sha256`: rows added
 * after it); and while the journal has the same bytes before its offset. Else it reads everything.
 */
interface Checkpoint {
  version: 2;
  campaignId: string;
  csv: { fingerprint: CsvFingerprint; columns: string[]; emailColumn: string };
  prefix: { offset: number; line: number; sha256: string };
  journal: { offset: number; tail: string };
  keys: { id: string };
  beyond: [string, LastEvent][];
}

/** What a resume knows before it reads the list: last events, and where the settled prefix ends. */
export interface Progress {
  /** Last event of each recipient the journal names (beyond the prefix, with a checkpoint). */
  known: Map<string, LastEvent>;
  /** Keys of the settled prefix's recipients (a checkpoint), else empty. */
  prefixKeys: AddressSet;
  start?: { offset: number; line: number };
}

/** Rows after the first unsettled one that a checkpoint may list; beyond that a run writes none. */
const maxRowsBeyond = 50_000;

const files = (paths: StatePaths) => ({ json: path.join(paths.dir, 'checkpoint.json'), keys: path.join(paths.dir, 'checkpoint.keys') });

/** The journal's last events, through the checkpoint when it still holds, else from the whole journal. */
export async function loadProgress(
  paths: StatePaths,
  campaign: PreparedCampaign,
  campaignId: string,
  warn: (message: string) => void,
  onRun?: Parameters<typeof lastEventByRecipient>[2],
): Promise<Progress> {
  const found = await validCheckpoint(paths, campaign, campaignId);
  if (!found) return { known: await lastEventByRecipient(paths.journal, warn, onRun), prefixKeys: new AddressSet() };
  const { checkpoint, prefixKeys } = found;
  const known = await lastEventByRecipient(paths.journal, warn, onRun, {
    offset: checkpoint.journal.offset,
    last: new Map(checkpoint.beyond),
  });
  return { known, prefixKeys, start: checkpoint.prefix };
}

async function validCheckpoint(paths: StatePaths, campaign: PreparedCampaign, campaignId: string) {
  const { json, keys } = files(paths);
  const text = await readPrivate(json);
  if (!text) return undefined;
  let checkpoint: Checkpoint;
  try {
    checkpoint = JSON.parse(text.toString('utf8')) as Checkpoint;
  } catch {
    return undefined;
  }
  const { definition, layout } = campaign;
  const same =
    checkpoint.version === 2 &&
    checkpoint.campaignId === campaignId &&
    checkpoint.csv.emailColumn === definition.email_column &&
    checkpoint.csv.columns.join('\n') === layout.columns.join('\n') &&
    (await journalTail(paths.journal, checkpoint.journal.offset)) === checkpoint.journal.tail &&
    (await samePrefix(definition.recipientsFile, checkpoint));
  if (!same) return undefined;
  const keyBytes = await readPrivate(keys);
  if (!keyBytes || keyBytes.subarray(0, 16).toString('hex') !== checkpoint.keys.id) return undefined;
  const prefixKeys = AddressSet.fromBuffer(keyBytes.subarray(16));
  return prefixKeys && { checkpoint, prefixKeys };
}

/** The CSV still begins with the bytes the checkpoint's prefix was read from. */
async function samePrefix(file: string, checkpoint: Checkpoint): Promise<boolean> {
  if (sameFingerprint(currentFingerprint(file), checkpoint.csv.fingerprint)) return true;
  return (await prefixDigest(file, checkpoint.prefix.offset)) === checkpoint.prefix.sha256;
}

/**
 * Follows a run's pass over the list: where the settled prefix ends, and the last event of each
 * recipient after it. `save` writes the checkpoint once the pass has reached the end of the list.
 */
export class ProgressTracker {
  private readonly rows: (RowPosition & { last?: LastEvent; settled: boolean })[] = [];
  private readonly open = new Map<string, RowPosition & { last?: LastEvent; settled: boolean }>();
  private prefix: { offset: number; line: number };
  private overflow = false;
  /** The CSV as this run's pass opened it. */
  private opened?: CsvFingerprint;

  constructor(
    private readonly progress: Progress,
    private readonly isSettled: (last: LastEvent | undefined) => boolean,
  ) {
    this.prefix = progress.start ?? { offset: 0, line: 1 };
  }

  /** The reader's `onOpen`. */
  readonly onOpen = (fingerprint: CsvFingerprint): void => {
    this.opened = fingerprint;
  };

  /** Every data row, in order (the reader's `onRow`). */
  readonly onRow = (row: RowPosition): void => {
    if (this.overflow) return;
    const entry = { ...row, settled: row.passed };
    if (!row.passed && row.key) this.open.set(row.key, entry);
    this.rows.push(entry);
    this.advance();
    if (this.rows.length > maxRowsBeyond) this.overflow = true;
  };

  /** An outcome recorded for a recipient in this run. */
  recorded(key: string, last: LastEvent): void {
    const entry = this.open.get(key);
    if (!entry) return;
    entry.last = last;
    if (!this.isSettled(last)) return;
    entry.settled = true;
    this.open.delete(key);
    this.advance();
  }

  private advance(): void {
    let settled = 0;
    while (settled < this.rows.length && this.rows[settled].settled) {
      const row = this.rows[settled++];
      if (row.key) this.progress.prefixKeys.add(row.key);
      this.prefix = { offset: row.end, line: row.nextLine };
    }
    if (settled) this.rows.splice(0, settled);
  }

  /** Writes the checkpoint (keys first: the JSON names them); best effort, a resume can always read everything. */
  async save(paths: StatePaths, campaign: PreparedCampaign, campaignId: string): Promise<void> {
    if (this.overflow || !this.opened) return;
    try {
      const journal = await stat(paths.journal);
      const tail = await journalTail(paths.journal, journal.size);
      const lastByte = journal.size ? await readPrivate(paths.journal, journal.size - 1, 1) : undefined;
      if (tail === undefined || lastByte?.[0] !== 0x0a) return; // a line being written: the next run tries again
      // undefined when the CSV changed since the pass opened it: its offsets may not be row boundaries of the file now
      const sha256 = await prefixDigest(campaign.definition.recipientsFile, this.prefix.offset, this.opened);
      if (sha256 === undefined) return;
      const beyond: [string, LastEvent][] = [];
      for (const row of this.rows) {
        const last = row.key && (row.last ?? this.progress.known.get(row.key));
        if (last) beyond.push([row.key!, last]);
      }
      const id = randomBytes(16);
      const { json, keys } = files(paths);
      await writeOwnerOnly(keys, this.progress.prefixKeys.toBuffer(id));
      const checkpoint: Checkpoint = {
        version: 2,
        campaignId,
        csv: { fingerprint: this.opened, columns: campaign.layout.columns, emailColumn: campaign.definition.email_column },
        prefix: { ...this.prefix, sha256 },
        journal: { offset: journal.size, tail },
        keys: { id: id.toString('hex') },
        beyond,
      };
      await writeOwnerOnly(json, JSON.stringify(checkpoint) + '\n');
    } catch {
      // no checkpoint: the next resume reads the whole journal and list
    }
  }
}
