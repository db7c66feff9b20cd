import { InputError } from '../errors.js';
import { readJournal, type RecipientEvent } from '../store/journal.js';
import { refuseCut, refuseMismatch } from '../store/journal-check.js';
import { readLockInfo } from '../store/lock.js';
import { readState, statePaths, type CampaignState } from '../store/state.js';
import type { RecipientStatus } from '../status.js';

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
  /** Copies of a sent message: Cc (in its headers) and Bcc (envelope only). */
  cc?: string[];
  bcc?: string[];
}

/** The stable JSON contract of `report --format json` and `campaign status --json`. */
export interface Summary {
  campaign: string;
  via: string;
  /** `interrupted`: state.json says running, but no live process holds the lock (the sender was killed). */
  status: CampaignState['status'] | 'interrupted';
  reason?: string;
  /** Who holds the campaign's lock, when someone does (or a dead run left it). */
  lock?: { pid: number; host: string; since: string; age_seconds: number; owner: 'alive' | 'dead' | 'elsewhere' };
  paused_until?: string;
  totals: { recipients: number; sent: number; failed: number; skipped: number; pending: number; in_doubt: number; deferred: number };
  skipped_by_reason: Record<string, number>;
  /** Copies sent with the messages: each counts as a recipient against the account's daily limit. */
  copies: { cc: number; bcc: number };
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
 * `report --failed` on a list of millions need not build an outcome for each.
 */
export async function summarise(
  campaignFile: string,
  stateDir: string | undefined,
  warn: (message: string) => void,
  only?: RecipientStatus,
): Promise<Summary> {
  const paths = statePaths(campaignFile, stateDir);
  const state = await readState(paths);
  await refuseMismatch(paths, state, campaignFile);
  if (!state) throw new InputError(`${campaignFile} has not been sent yet (no state in ${paths.dir}); run \`mailshot campaign send ${campaignFile}\``);

  const { last, rejected, limitChanges, runs, perMinute, startedAt, endedAt, firstSent, lastSent } = await foldJournal(paths.journal, warn);

  await refuseCut(paths, state, campaignFile);
  const tally: Record<RecipientStatus, number> = { sent: 0, failed: 0, skipped: 0, pending: 0, deferred: 0, in_doubt: 0 };
  const skippedByReason: Record<string, number> = {};
  const failedByReason: Record<string, number> = {};
  const count = (byReason: Record<string, number>, reason = 'unknown') => (byReason[reason] = (byReason[reason] ?? 0) + 1);
  for (const row of rejected) count(skippedByReason, row.reason);
  const recipients: RecipientOutcome[] = [];
  const copies = { cc: 0, bcc: 0 };
  for (const event of last.values()) {
    const status = event.ev === 'attempt' ? 'in_doubt' : event.ev;
    tally[status]++;
    if (event.ev === 'sent') {
      copies.cc += event.cc?.length ?? 0;
      copies.bcc += event.bcc?.length ?? 0;
    }
    if (event.ev === 'failed') count(failedByReason, event.kind);
    if (event.ev === 'skipped') count(skippedByReason, event.reason);
    if (only === undefined || only === status) recipients.push(outcomeOf(event));
  }
  const { sent, failed, in_doubt: inDoubt, skipped: skippedKnown, deferred } = tally;
  const pending = Math.max(0, state.recipients - sent - failed - inDoubt - skippedKnown);
  const lockInfo = await readLockInfo(paths.lock);
  const interrupted = state.status === 'running' && lockInfo?.liveness !== 'alive' && lockInfo?.liveness !== 'elsewhere';
  const minutes = firstSent !== undefined && lastSent !== undefined ? (lastSent - firstSent) / 60_000 : 0;
  return {
    campaign: campaignFile,
    via: state.via,
    status: interrupted ? 'interrupted' : state.status,
    reason: interrupted ? 'the sender stopped without recording the end of its run (killed, or the machine went down); `mailshot campaign resume` continues' : state.reason,
    lock: lockInfo && { pid: lockInfo.owner.pid, host: lockInfo.owner.host, since: lockInfo.owner.since, age_seconds: Math.round(lockInfo.ageMs / 1000), owner: lockInfo.liveness },
    paused_until: state.pausedUntil,
    totals: { recipients: state.recipients, sent, failed, skipped: skippedKnown + rejected.length, pending, in_doubt: inDoubt, deferred },
    skipped_by_reason: skippedByReason,
    copies,
    failed_by_reason: failedByReason,
    started_at: iso(startedAt),
    ended_at: iso(endedAt),
    limit_changes: limitChanges,
    throughput_per_minute: minutes > 0 ? Math.round((sent / minutes) * 10) / 10 : undefined,
    runs,
    per_minute: [...perMinute.entries()].sort(([a], [b]) => a - b).map(([minute, counts]) => ({ minute: iso(minute)!, ...counts })),
    recipients: only === undefined || only === 'skipped' ? [...recipients, ...rejected] : recipients,
  };
}

/** One pass over the journal: each recipient's last event, the rows rejected up front, runs, limit changes and the sends per minute. */
async function foldJournal(journal: string, warn: (message: string) => void) {
  const last = new Map<string, RecipientEvent>();
  const rejected: RecipientOutcome[] = [];
  const limitChanges: Summary['limit_changes'] = [];
  const runs: Summary['runs'] = [];
  const perMinute = new Map<number, { sent: number; failed: number; deferred: number }>();
  let startedAt: number | undefined;
  let endedAt: number | undefined;
  let firstSent: number | undefined;
  let lastSent: number | undefined;
  for await (const event of readJournal(journal, warn)) {
    if (event.ev === 'limits') {
      limitChanges.push({ at: iso(event.at)!, concurrency: event.concurrency, rate: event.rate, why: event.why });
    } else if (event.ev === 'run') {
      if (event.what === 'start') {
        startedAt ??= event.at;
        runs.push({ started_at: iso(event.at)! });
      } else {
        endedAt = event.at;
        const run = runs.at(-1);
        if (run && !run.ended_at) Object.assign(run, { ended_at: iso(event.at), status: event.status });
      }
    } else if (event.ev === 'skipped' && !event.to) {
      rejected.push({ recipient: event.value ?? '', status: 'skipped', line: event.line, reason: event.reason, at: iso(event.at) });
    } else if ('to' in event && event.to) {
      last.set(event.to, event as RecipientEvent);
      if (event.ev === 'sent') {
        firstSent ??= event.at;
        lastSent = event.at;
      }
      if (event.ev === 'sent' || event.ev === 'failed' || event.ev === 'deferred') {
        const minute = Math.floor(event.at / 60_000) * 60_000;
        const counts = perMinute.get(minute) ?? { sent: 0, failed: 0, deferred: 0 };
        counts[event.ev]++;
        perMinute.set(minute, counts);
      }
    }
  }
  return { last, rejected, limitChanges, runs, perMinute, startedAt, endedAt, firstSent, lastSent };
}

function outcomeOf(event: RecipientEvent): RecipientOutcome {
  const base = { recipient: event.to, at: iso(event.at) };
  switch (event.ev) {
    case 'sent':
      return { ...base, status: 'sent', detail: event.reply, ...(event.cc && { cc: event.cc }), ...(event.bcc && { bcc: event.bcc }) };
    case 'failed':
      return { ...base, status: 'failed', reason: event.kind, code: event.code, detail: event.text };
    case 'deferred':
      return { ...base, status: 'deferred', reason: event.kind, code: event.code, detail: event.text };
    case 'skipped':
      return { ...base, status: 'skipped', reason: event.reason, line: event.line };
    case 'attempt':
      return { ...base, status: 'in_doubt', detail: 'handed to the server, no answer recorded (the sender stopped, or the connection was lost after the message was handed over)' };
  }
}

function iso(at: number | undefined): string | undefined {
  return at === undefined ? undefined : new Date(at).toISOString();
}
