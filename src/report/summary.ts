import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { Place } from '../store/journal.js';
import { afterDeliveryEvents, type AfterDeliveryEvent, type JournalEvent, type RecipientEvent } from '../store/journal-line.js';
import type { JournalAt } from '../store/journal-at.js';
import { isHard, iso, outcomeOf, withAfter, type RecipientOutcome } from './outcome.js';
import { RecipientTable, type Counted } from './recipient-table.js';
import type { CampaignState } from '../store/state.js';
import type { RecipientStatus } from '../status.js';

/** Bounces, complaints and unsubscribes that came back after delivery, and their rates over the messages sent. */
export interface AfterDelivery {
  bounced: number;
  soft_bounced: number;
  complained: number;
  unsubscribed: number;
  /** Hard bounces ÷ sent (0 when nothing was sent). */
  bounce_rate: number;
  /** Complaints ÷ sent. */
  complaint_rate: number;
}

/** The stable JSON contract of `report --format json` and `campaign status --json`. */
export interface Summary {
  /** The campaign file. */
  campaign: string;
  /** The campaign's `name` (as of its last run). */
  name: string;
  via: string;
  /** `interrupted`: marked running, but no live process holds the campaign's lock (a hard stop, a crash). */
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
  after_delivery: AfterDelivery;
  started_at?: string;
  ended_at?: string;
  /** When the send loop slowed down or sped up, and why. */
  limit_changes: { at: string; concurrency: number; rate?: string; why: string }[];
  /** Messages sent per minute of the runs' own time (from each start to its end; waits between runs left out). */
  throughput_per_minute?: number;
  /** Each send or resume, oldest first. A run that ended `paused` or `stopped` and the next start bracket a pause. */
  runs: { started_at: string; ended_at?: string; status?: string }[];
  /** Outcomes recorded in each clock minute that had any, oldest first: the report's timeline. */
  per_minute: { minute: string; sent: number; failed: number; deferred: number }[];
  /** Which statuses `recipients` lists (report --failed, status); absent: every recipient. */
  listed?: RecipientStatus[];
  recipients: RecipientOutcome[];
}

/** Recipients and rejected rows counted rather than kept one by one (what a status snapshot folded away). */
export interface Settled {
  tally: Record<RecipientStatus, number>;
  skippedByReason: Record<string, number>;
  failedByReason: Record<string, number>;
  copies: { cc: number; bcc: number };
  rejected: number;
}

export function emptySettled(): Settled {
  const tally: Record<RecipientStatus, number> = { sent: 0, failed: 0, skipped: 0, pending: 0, deferred: 0, in_doubt: 0 };
  return { tally, skippedByReason: {}, failedByReason: {}, copies: { cc: 0, bcc: 0 }, rejected: 0 };
}

export const countReason = (byReason: Record<string, number>, reason = 'unknown') => (byReason[reason] = (byReason[reason] ?? 0) + 1);

const statusOf = (event: RecipientEvent): RecipientStatus => (event.ev === 'attempt' ? 'in_doubt' : event.ev);

/** What counting a recipient reads of its last event, and no more (no server reply, no text). */
function countedOf(event: RecipientEvent): Counted {
  const reason = event.ev === 'failed' || event.ev === 'deferred' ? event.kind : event.ev === 'skipped' ? event.reason : undefined;
  const copies = event.ev === 'sent' ? { cc: event.cc?.length ?? 0, bcc: event.bcc?.length ?? 0 } : { cc: 0, bcc: 0 };
  return { status: statusOf(event), reason, ...copies };
}

/** An open recipient's (in doubt, deferred) last event as a status snapshot keeps it when it is not listed. */
function countable(event: Extract<RecipientEvent, { ev: 'attempt' | 'deferred' }>): RecipientEvent {
  const { to, at } = event;
  return event.ev === 'attempt' ? { ev: 'attempt', to, at } : { ev: 'deferred', to, at, kind: event.kind, text: '' };
}

/** Counts a recipient by its last event's status, reason and copies. */
export function countRecipient(settled: Settled, counted: Counted): void {
  settled.tally[counted.status]++;
  settled.copies.cc += counted.cc;
  settled.copies.bcc += counted.bcc;
  if (counted.status === 'failed') countReason(settled.failedByReason, counted.reason);
  if (counted.status === 'skipped') countReason(settled.skippedByReason, counted.reason);
}

/**
 * One pass over the journal: what every format needs, in the order events happened. Each recipient is a
 * slot of a RecipientTable (its last status, reason, copies and line as numbers); the last event itself
 * is kept only for a recipient to be listed, or still open (in doubt, deferred: a status snapshot keeps
 * those), so the totals of a list of millions (a run's end, `status`) hold no object per recipient.
 */
export class JournalFold {
  readonly recipients = new RecipientTable();
  /** Last events by slot: whole if listed, else (open recipients only) what countable() keeps. */
  readonly kept = new Map<number, RecipientEvent>();
  readonly after = new Map<string, AfterDeliveryEvent>();
  readonly rejected: RecipientOutcome[] = [];
  readonly limitChanges: Summary['limit_changes'] = [];
  readonly runs: { started: number; ended?: number; status?: string; lastEvent: number }[] = [];
  readonly perMinute = new Map<number, { sent: number; failed: number; deferred: number }>();
  name?: string;
  /** What a status snapshot counted instead of keeping (src/report/status-snapshot.ts). */
  readonly settled = emptySettled();
  /** The statuses whose recipients will be listed (undefined: all). */
  listing?: RecipientStatus[];

  /** `place`: where the event's line is in the journal (a listed recipient's is then kept instead of the event). */
  add(event: JournalEvent, place?: Place): void {
    const run = this.runs.at(-1);
    if (run && !run.ended) run.lastEvent = event.at;
    if (event.ev === 'limits') {
      this.limitChanges.push({ at: iso(event.at)!, concurrency: event.concurrency, rate: event.rate, why: event.why });
    } else if (event.ev === 'run') {
      if (event.what === 'start') {
        this.name = event.name ?? this.name;
        this.runs.push({ started: event.at, lastEvent: event.at });
      } else if (run && !run.ended) Object.assign(run, { ended: event.at, status: event.status });
    } else if (afterDeliveryEvents.has(event.ev)) {
      const later = event as AfterDeliveryEvent;
      if (!isHard(this.after.get(later.to))) this.after.set(later.to, later); // a hard bounce is the one to show
    } else if (event.ev === 'skipped' && !event.to) {
      this.rejected.push({ recipient: event.value ?? '', status: 'skipped', line: event.line, reason: event.reason, at: iso(event.at) });
    } else if ('to' in event && event.to) {
      this.keep(event as RecipientEvent, undefined, place);
      if (event.ev === 'sent' || event.ev === 'failed' || event.ev === 'deferred') {
        const minute = Math.floor(event.at / 60_000) * 60_000;
        const counts = this.perMinute.get(minute) ?? { sent: 0, failed: 0, deferred: 0 };
        counts[event.ev]++;
        this.perMinute.set(minute, counts);
      }
    }
  }

  /** A recipient's latest event: counted in its slot (with its CSV line, or the line an earlier event gave), kept if listed or open. */
  keep(event: RecipientEvent, line = 'line' in event ? event.line : undefined, place?: Place): void {
    const slot = this.recipients.slotOf(event.to);
    this.recipients.set(slot, countedOf(event), line);
    if (place) this.recipients.place(slot, place);
    if (!this.listing || this.listing.includes(statusOf(event))) {
      if (place) this.kept.delete(slot);
      else this.kept.set(slot, event);
    } else if (event.ev === 'attempt' || event.ev === 'deferred') this.kept.set(slot, countable(event));
    else this.kept.delete(slot);
  }

  /** The summary with every recipient listed that `only` asks for. */
  summary(campaignFile: string, state: CampaignState, only: RecipientStatus[] | undefined): Summary {
    return { ...this.counts(campaignFile, state, only), recipients: [...this.outcomes(only)] };
  }

  /**
   * The listed recipients' outcomes in first-seen order, then the rejected rows: from the events kept, or
   * (a fold given places) read back from the journal through `at`.
   */
  *outcomes(only: RecipientStatus[] | undefined, at?: JournalAt): Generator<RecipientOutcome> {
    for (let slot = 0; slot < this.recipients.size; slot++) {
      if (only !== undefined && !only.includes(this.recipients.status(slot))) continue;
      const event = this.kept.get(slot) ?? (at!.read(this.recipients.placeOf(slot)) as RecipientEvent);
      yield withAfter(outcomeOf(event, this.recipients.line(slot)), this.after.get(event.to));
    }
    if (only === undefined || only.includes('skipped')) yield* this.rejected;
  }

  /** The summary's counts; its `recipients` left empty. */
  counts(campaignFile: string, state: CampaignState, only: RecipientStatus[] | undefined): Summary {
    const counted = structuredClone(this.settled);
    const { tally, skippedByReason, failedByReason, copies } = counted;
    for (const row of this.rejected) countReason(skippedByReason, row.reason);
    for (let slot = 0; slot < this.recipients.size; slot++) countRecipient(counted, this.recipients.counted(slot));
    const { sent, failed, in_doubt: inDoubt, skipped: skippedKnown, deferred } = tally;
    const pending = Math.max(0, state.recipients - sent - failed - inDoubt - skippedKnown);
    const runs = this.runs.map((run) => ({ started_at: iso(run.started)!, ended_at: iso(run.ended), status: run.status }));
    return {
      campaign: campaignFile,
      name: this.name ?? nameInFile(campaignFile) ?? path.basename(campaignFile),
      via: state.via,
      status: state.status,
      reason: state.reason,
      paused_until: state.pausedUntil,
      totals: {
        recipients: state.recipients,
        sent,
        failed,
        skipped: skippedKnown + this.rejected.length + counted.rejected,
        pending,
        in_doubt: inDoubt,
        deferred,
      },
      skipped_by_reason: skippedByReason,
      copies,
      failed_by_reason: failedByReason,
      after_delivery: afterDeliveryOf(this.after.values(), sent),
      started_at: runs[0]?.started_at,
      ended_at: iso(
        this.runs
          .map((run) => run.ended)
          .filter((at) => at !== undefined)
          .at(-1),
      ),
      limit_changes: this.limitChanges,
      throughput_per_minute: this.throughput(sent),
      runs,
      per_minute: [...this.perMinute.entries()].sort(([a], [b]) => a - b).map(([minute, counts]) => ({ minute: iso(minute)!, ...counts })),
      listed: only,
      recipients: [],
    };
  }

  /** Messages per minute over the time the runs actually ran (pauses between runs left out). */
  private throughput(sent: number): number | undefined {
    const ms = this.runs.reduce((total, run) => total + ((run.ended ?? run.lastEvent) - run.started), 0);
    return sent > 0 && ms >= 1000 ? Math.round((sent / (ms / 60_000)) * 10) / 10 : undefined;
  }
}

/** A campaign that never ran has no name in its journal: the file's own `name`, if it can be read. */
function nameInFile(campaignFile: string): string | undefined {
  try {
    const fields: unknown = parse(readFileSync(campaignFile, 'utf8'));
    const name = (fields as { name?: unknown } | null)?.name;
    return typeof name === 'string' && name ? name : undefined;
  } catch {
    return undefined;
  }
}

function afterDeliveryOf(events: Iterable<AfterDeliveryEvent>, sent: number): AfterDelivery {
  const counts = { bounced: 0, soft_bounced: 0, complained: 0, unsubscribed: 0 };
  for (const event of events) {
    if (event.ev === 'bounced') counts[event.hard ? 'bounced' : 'soft_bounced']++;
    else counts[event.ev]++;
  }
  const rate = (count: number) => (sent ? Math.round((count / sent) * 1e6) / 1e6 : 0);
  return { ...counts, bounce_rate: rate(counts.bounced), complaint_rate: rate(counts.complained) };
}
