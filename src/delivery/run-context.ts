import type { MessageComposer } from '../campaign/compose.js';
import type { PreparedCampaign } from '../campaign/prepare.js';
import type { AccountLimits } from '../accounts/account.js';
import type { EffectiveLimits } from '../accounts/limits.js';
import type { SendingAccount } from '../accounts/open-account.js';
import type { Journal } from '../store/journal.js';
import type { JournalEvent } from '../store/journal-line.js';
import type { CampaignState, StatePaths } from '../store/state.js';
import { emptyCounts, type Outcome, type RunStatus } from '../status.js';
import type { RunEnd } from './outcome.js';
import type { Pacer } from './pacing.js';
import type { Continuation } from './identity.js';
import type { ProgressTracker } from './checkpoint.js';
import type { ListDigest } from '../campaign/list-digest.js';
import type { FirstPass } from './first-pass.js';

export type InDoubtPolicy = 'resend' | 'skip';

export interface RunOptions {
  campaignFile: string;
  stateDir?: string;
  via?: string;
  /** Hand at most this many messages to the transport in this run. */
  limit?: number;
  inDoubt: InDoubtPolicy;
  /** Limits for this run, over the account's own. */
  limits: AccountLimits;
  /** A new campaign: start at this time rather than now. */
  at?: Date;
  /** A new campaign: space deliveries evenly over this many milliseconds. */
  spreadMs?: number;
  /** `resume` rather than `send`: refuses a campaign that was never started. */
  resume: boolean;
  /** Asked before a first real send (not the outbox); false cancels it. */
  confirm?: (plan: SendPlan) => Promise<boolean>;
  /** Run before a first real send, before `confirm`: the deliverability pre-flight (warns; throws to stop). */
  preflight?: (plan: SendPlan) => Promise<void>;
  /** Aborting stops dispatching; in-flight messages finish and are recorded. */
  signal: AbortSignal;
  onEvent: (event: RunEvent) => void;
  warn: (message: string) => void;
}

/** What a first real send is about to do, for the person to confirm. */
export interface SendPlan {
  via: string;
  from: string;
  /** What this run sends: the list's recipients, or fewer with --limit. */
  recipients: number;
  /** The list's recipients. */
  of: number;
  limit?: number;
  limits: EffectiveLimits;
}

export type RunEvent =
  | { type: 'start'; campaign: string; via: string; recipients: number; alreadyDone: number; toSend: number }
  | { type: 'recipient'; to: string; outcome: Outcome; detail: string }
  | { type: 'limits'; concurrency: number; rate?: string; why: string }
  | { type: 'end'; status: RunStatus; reason: string; pausedUntil?: string };

/** What dispatch leaves for settling the run. */
export interface Dispatched {
  /** Recipients due in this run (handed over or not). */
  due: number;
  /** The earliest time a recipient not yet due becomes due (Infinity: none). */
  nextDue: number;
}

/**
 * One run of a campaign, as the steps of run.ts fill it in: the campaign and its state folder (load), the
 * account (open account), the rows a first send rejects (scan), the lock, the snapshot and the journal (start),
 * then what the dispatch did (counts, whether anything was delivered) and how the run ends. There is one way
 * to end: `end()`; the first call wins, except that an error replaces an end without one.
 */
export class RunContext {
  campaign!: PreparedCampaign;
  paths!: StatePaths;
  /** The snapshot as the run found it (none: a first send). */
  existing?: CampaignState;
  /** The account's name, or "outbox". */
  via!: string;
  /** Whether the run continues the state it found, or starts afresh (after an outbox rehearsal). */
  continuation!: Continuation;
  account?: SendingAccount;
  firstSend?: { rejected: JournalEvent[]; recipients: number; list: ListDigest; pass: FirstPass };
  /** Copies that have a recipient's message already (the server refused only the recipient), from the journal. */
  copiesAccepted = new Map<string, string[]>();
  /** Recipients not done yet, when counted before the dispatch (a done campaign whose list gained rows). */
  pending?: number;
  releaseLock?: () => Promise<void>;
  state!: CampaignState;
  journal?: Journal;
  composer!: MessageComposer;
  pacer!: Pacer;
  dispatched?: Dispatched;
  /** Where the list's settled prefix ends, for the resume checkpoint written at the end. */
  tracker?: ProgressTracker;
  readonly counts = emptyCounts();
  ending?: RunEnd;
  /** Something was delivered through the account in this run: it was reachable. */
  deliveredBefore = false;
  /** Recipients waiting out a retry delay: they hold no slot. */
  waitingToRetry = 0;

  constructor(readonly options: RunOptions) {}

  /** The open account (from the "open account" step on). */
  get sending(): SendingAccount {
    return this.account!;
  }

  get ended(): boolean {
    return this.ending !== undefined;
  }

  end(status: RunStatus, reason: string, error?: unknown): void {
    if (!this.ending || (error !== undefined && this.ending.error === undefined)) this.ending = { status, reason, error };
  }

  /** Nothing more is sent before `time` (kept even when the run is ending for another reason already). */
  pauseUntil(time: number, why: string): void {
    this.state.pausedUntil = new Date(time).toISOString();
    this.end('paused', `${why}; paused until ${this.state.pausedUntil}`);
  }

  /**
   * Journals a recipient's outcome, counts it and tells the view. The line rides the journal's next
   * commit (the next recipient's `attempt`, or the run's end); a write that fails stops the run.
   */
  record(event: JournalEvent & { to: string }, outcome: Outcome, detail: string): void {
    this.journal!.append(event, { ride: true }).catch((error: unknown) => this.end('stopped', (error as Error).message, error));
    this.tracker?.recorded(event.to, event.ev);
    this.counts[outcome]++;
    this.options.onEvent({ type: 'recipient', to: event.to, outcome, detail });
  }

  /** Closes what the steps opened, last first: the journal, the lock, the account's connections and usage log. */
  async close(): Promise<void> {
    try {
      await this.journal?.close();
    } finally {
      try {
        await this.releaseLock?.();
      } finally {
        try {
          // Connections closed before the slots are given back: another process may open its own at once.
          await this.account?.transport.closeIdle?.();
          await Promise.all([this.account?.transport.close(), this.account?.usage?.close()]);
        } finally {
          await this.account?.shared?.close();
        }
      }
    }
  }
}
