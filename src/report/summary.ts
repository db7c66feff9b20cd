import { stat } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { readJournal, type JournalEvent, type RecipientEvent } from '../store/journal.js';
import { readState, statePaths, type CampaignState } from '../store/state.js';

export type RecipientStatus = 'sent' | 'failed' | 'skipped' | 'pending' | 'deferred' | 'in_doubt';

export interface RecipientOutcome {
  /** Normalised address, or the CSV cell for a rejected row. */
  recipient: string;
  status: RecipientStatus;
  /** CSV line, known for rejected and skipped rows. */
  line?: number;
  /** Why: failure kind / skip reason. */
  reason?: string;
  code?: string;
  detail?: string;
  at?: string;
}

/** The stable JSON contract of `report --format json` and `campaign status --json`. */
export interface Summary {
  campaign: string;
  via: string;
  status: CampaignState['status'];
  reason?: string;
  paused_until?: string;
  totals: { recipients: number; sent: number; failed: number; skipped: number; pending: number; in_doubt: number; deferred: number };
  skipped_by_reason: Record<string, number>;
  failed_by_reason: Record<string, number>;
  started_at?: string;
  ended_at?: string;
  /** When the send loop slowed down or sped up, and why. */
  limit_changes: { at: string; concurrency: number; rate?: string; why: string }[];
  /** Messages per minute between the first and last send. */
  throughput_per_minute?: number;
  /** Each send or resume, oldest first. A run that ended `paused` or `stopped` and the next start bracket a pause. */
  runs: { started_at: string; ended_at?: string; status?: string }[];
  /** Outcomes recorded in each clock minute that had any, oldest first: the report's timeline. */
  per_minute: { minute: string; sent: number; failed: number; deferred: number }[];
  recipients: RecipientOutcome[];
}

/** Reads state.json and folds the journal: one outcome per recipient, in first-seen order. */
/**
 * `only`: list just the recipients with this status (the totals still count everyone) — `status` and
 * `report --failed` on a list of millions need not build an outcome for each. `status` (only in_doubt)
 * starts from its snapshot of the journal when there is one (src/report/status-snapshot.ts).
 */
export async function summarise(
  campaignFile: string,
  stateDir: string | undefined,
  warn: (message: string) => void,
  only?: RecipientStatus,
): Promise<Summary> {
  const paths = statePaths(campaignFile, stateDir);
  const state = await readState(paths);
  if (!state) throw new InputError(`${campaignFile} has not been sent yet (no state in ${paths.dir}); run \`mailshot campaign send ${campaignFile}\``);

  const snapshots = only === 'in_doubt' ? await import('./status-snapshot.js') : undefined;
  const snapshot = await snapshots?.loadSnapshot(paths, state.campaignId);
  const fold = snapshot?.fold ?? emptyFold();
  const sizeBefore = await journalSize(paths.journal);
  let events = 0;
  for await (const event of readJournal(paths.journal, warn, snapshot?.offset)) {
    foldEvent(fold, event);
    events++;
  }
  if (snapshots && events >= snapshots.worthSaving) await snapshots.saveSnapshot(paths, state.campaignId, fold, sizeBefore);
  return summaryOf(campaignFile, state, fold, only);
}

/** What the journal has said so far. `settled` counts what a status snapshot left out of `last` and `rejected`. */
export interface Fold {
  last: Map<string, RecipientEvent>;
  rejected: RecipientOutcome[];
  limitChanges: Summary['limit_changes'];
  runs: Summary['runs'];
  perMinute: Map<number, { sent: number; failed: number; deferred: number }>;
  startedAt?: number;
  endedAt?: number;
  firstSent?: number;
  lastSent?: number;
  settled: { tally: Record<RecipientStatus, number>; skippedByReason: Record<string, number>; failedByReason: Record<string, number>; rejected: number };
}

export function emptyFold(): Fold {
  const tally: Record<RecipientStatus, number> = { sent: 0, failed: 0, skipped: 0, pending: 0, deferred: 0, in_doubt: 0 };
  return { last: new Map(), rejected: [], limitChanges: [], runs: [], perMinute: new Map(), settled: { tally, skippedByReason: {}, failedByReason: {}, rejected: 0 } };
}

function foldEvent(fold: Fold, event: JournalEvent): void {
  if (event.ev === 'limits') {
    fold.limitChanges.push({ at: iso(event.at)!, concurrency: event.concurrency, rate: event.rate, why: event.why });
  } else if (event.ev === 'run') {
    if (event.what === 'start') {
      fold.startedAt ??= event.at;
      fold.runs.push({ started_at: iso(event.at)! });
    } else {
      fold.endedAt = event.at;
      const run = fold.runs.at(-1);
      if (run && !run.ended_at) Object.assign(run, { ended_at: iso(event.at), status: event.status });
    }
  } else if (event.ev === 'skipped' && !event.to) {
    fold.rejected.push({ recipient: event.value ?? '', status: 'skipped', line: event.line, reason: event.reason, at: iso(event.at) });
  } else if ('to' in event && event.to) {
    fold.last.set(event.to, event as RecipientEvent);
    if (event.ev === 'sent') {
      fold.firstSent ??= event.at;
      fold.lastSent = event.at;
    }
    if (event.ev === 'sent' || event.ev === 'failed' || event.ev === 'deferred') {
      const minute = Math.floor(event.at / 60_000) * 60_000;
      const counts = fold.perMinute.get(minute) ?? { sent: 0, failed: 0, deferred: 0 };
      counts[event.ev]++;
      fold.perMinute.set(minute, counts);
    }
  }
}

export const countReason = (byReason: Record<string, number>, reason = 'unknown', by = 1) => (byReason[reason] = (byReason[reason] ?? 0) + by);

function summaryOf(campaignFile: string, state: CampaignState, fold: Fold, only?: RecipientStatus): Summary {
  const tally = { ...fold.settled.tally };
  const skippedByReason = { ...fold.settled.skippedByReason };
  const failedByReason = { ...fold.settled.failedByReason };
  for (const row of fold.rejected) countReason(skippedByReason, row.reason);
  const recipients: RecipientOutcome[] = [];
  for (const event of fold.last.values()) {
    const status = event.ev === 'attempt' ? 'in_doubt' : event.ev;
    tally[status]++;
    if (event.ev === 'failed') countReason(failedByReason, event.kind);
    if (event.ev === 'skipped') countReason(skippedByReason, event.reason);
    if (only === undefined || only === status) recipients.push(outcomeOf(event));
  }
  const { sent, failed, in_doubt: inDoubt, skipped: skippedKnown, deferred } = tally;
  const pending = Math.max(0, state.recipients - sent - failed - inDoubt - skippedKnown);
  const { firstSent, lastSent } = fold;
  const minutes = firstSent !== undefined && lastSent !== undefined ? (lastSent - firstSent) / 60_000 : 0;
  return {
    campaign: campaignFile,
    via: state.via,
    status: state.status,
    reason: state.reason,
    paused_until: state.pausedUntil,
    totals: { recipients: state.recipients, sent, failed, skipped: skippedKnown + fold.rejected.length + fold.settled.rejected, pending, in_doubt: inDoubt, deferred },
    skipped_by_reason: skippedByReason,
    failed_by_reason: failedByReason,
    started_at: iso(fold.startedAt),
    ended_at: iso(fold.endedAt),
    limit_changes: fold.limitChanges,
    throughput_per_minute: minutes > 0 ? Math.round((sent / minutes) * 10) / 10 : undefined,
    runs: fold.runs,
    per_minute: [...fold.perMinute.entries()].sort(([a], [b]) => a - b).map(([minute, counts]) => ({ minute: iso(minute)!, ...counts })),
    recipients: only === undefined || only === 'skipped' ? [...recipients, ...fold.rejected] : recipients,
  };
}

async function journalSize(file: string): Promise<number | undefined> {
  return (await stat(file).catch(() => undefined))?.size;
}

function outcomeOf(event: RecipientEvent): RecipientOutcome {
  const base = { recipient: event.to, at: iso(event.at) };
  switch (event.ev) {
    case 'sent':
      return { ...base, status: 'sent', detail: event.reply };
    case 'failed':
      return { ...base, status: 'failed', reason: event.kind, code: event.code, detail: event.text };
    case 'deferred':
      return { ...base, status: 'deferred', reason: event.kind, code: event.code, detail: event.text };
    case 'skipped':
      return { ...base, status: 'skipped', reason: event.reason, line: event.line };
    case 'attempt':
      return { ...base, status: 'in_doubt', detail: 'handed to the server, outcome not recorded (the sender stopped)' };
  }
}

function iso(at: number | undefined): string | undefined {
  return at === undefined ? undefined : new Date(at).toISOString();
}
