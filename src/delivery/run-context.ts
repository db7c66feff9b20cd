import type { MessageComposer } from '../campaign/compose.js';
import { checkSize, type PreparedCampaign } from '../campaign/prepare.js';
import type { Recipient } from '../campaign/recipients.js';
import type { OutgoingMessage } from '../transports/transport.js';
import type { AccountLimits } from '../accounts/account.js';
import type { EffectiveLimits } from '../accounts/limits.js';
import type { SendingAccount } from '../accounts/open-account.js';
import type { Journal } from '../store/journal.js';
import { attemptLine, type JournalEvent } from '../store/journal-line.js';
import type { CampaignState, StatePaths } from '../store/state.js';
import { emptyCounts, type Counts, type Outcome, type RunStatus } from '../status.js';
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
  /**
   * A first real send's deliverability pre-flight, started with the run (its DNS look-ups go on while the list is
   * read). `lookUp` resolves to a function that tells the verdict: it warns, and throws to stop the send when
   * `mayStop`. `stopped` aborts the look-ups when the run ends first.
   */
  preflight?: { lookUp: (sending: Pick<SendPlan, 'via' | 'from'>, stopped: AbortSignal) => Promise<() => void>; mayStop: boolean };
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

/** What loading gives: the campaign, its state folder, and how this run relates to the state it found there. */
export interface Prepared {
  options: RunOptions;
  campaign: PreparedCampaign;
  paths: StatePaths;
  /** The account's name, or "outbox". */
  via: string;
  /** Whether the run continues the state it found, or starts afresh (after an outbox rehearsal). */
  continuation: Continuation;
  /** The state as the run found it (none: a first send, or a fresh start after a rehearsal). */
  existing?: CampaignState;
  /** Recipients not done yet, counted before the dispatch for a done campaign whose list gained rows. */
  pending?: number;
}

/** A first send's check of every row, before anything is written: the rows it rejects are journaled as skipped. */
export interface FirstSend {
  rejected: JournalEvent[];
  recipients: number;
  list: ListDigest;
  pass: FirstPass;
}

/** What the state step gives: the campaign's state (read again under the lock, or a first send's) and its open journal. */
export interface Started {
  state: CampaignState;
  journal: Journal;
}

/** Everything the dispatch works with, each part ready. */
export interface RunParts extends Prepared, Started {
  account: SendingAccount;
  composer: MessageComposer;
  pacer: Pacer;
  /** Where the list's settled prefix ends, for the resume checkpoint written at the end. */
  tracker: ProgressTracker;
  /** Copies that have a recipient's message already (the server refused only the recipient), from the journal. */
  copiesAccepted: ReadonlyMap<string, string[]>;
  /** A first send's checked pass over the list, replayed by the dispatch (when it was kept). */
  firstPass?: FirstPass;
}

/** What sending one recipient (attempt.ts) needs of the run, and nothing more. */
export interface Sender {
  readonly options: Pick<RunOptions, 'signal' | 'onEvent'>;
  readonly account: SendingAccount;
  readonly pacer: Pacer;
  readonly journal: Pick<Journal, 'append'>;
  readonly copiesAccepted: ReadonlyMap<string, string[]>;
  readonly counts: Counts;
  /** Messages delivered through the account in this run (more than none: it was reachable). */
  delivered: number;
  /** Recipients waiting out a retry delay: they hold no slot. */
  waitingToRetry: number;
  readonly ended: boolean;
  /** The recipient's message; an InputError when the template or the account's size limit refuses it. */
  compose(recipient: Recipient): Promise<OutgoingMessage>;
  /** Journals the attempt line, flushed before the message is handed over. */
  attempting(to: string, line: number, messageId: string): Promise<void>;
  record(event: JournalEvent & { to: string }, outcome: Outcome, detail: string): void;
  end(status: RunStatus, reason: string, error?: unknown): void;
  pauseUntil(time: number, why: string): void;
}

/**
 * One run of a campaign from its dispatch on, with every part the steps of send-loop.ts made, and how the run
 * ends. There is one way to end: `end()`; the first call wins, except that an error replaces an end without one.
 */
export class RunContext implements Sender {
  readonly options: RunOptions;
  readonly campaign: PreparedCampaign;
  readonly paths: StatePaths;
  readonly via: string;
  readonly pending?: number;
  readonly state: CampaignState;
  readonly journal: Journal;
  readonly account: SendingAccount;
  readonly composer: MessageComposer;
  readonly pacer: Pacer;
  readonly tracker: ProgressTracker;
  readonly copiesAccepted: ReadonlyMap<string, string[]>;
  readonly firstPass?: FirstPass;
  readonly counts = emptyCounts();
  ending?: RunEnd;
  delivered = 0;
  waitingToRetry = 0;

  constructor(parts: RunParts) {
    this.options = parts.options;
    this.campaign = parts.campaign;
    this.paths = parts.paths;
    this.via = parts.via;
    this.pending = parts.pending;
    this.state = parts.state;
    this.journal = parts.journal;
    this.account = parts.account;
    this.composer = parts.composer;
    this.pacer = parts.pacer;
    this.tracker = parts.tracker;
    this.copiesAccepted = parts.copiesAccepted;
    this.firstPass = parts.firstPass;
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

  async compose(recipient: Recipient): Promise<OutgoingMessage> {
    const { campaign, account } = this;
    const message = await this.composer.compose(recipient, campaign.templates.render(recipient.fields));
    if (account.sizeLimit) checkSize(message.raw.length, account.sizeLimit, campaign.definition, recipient);
    return message;
  }

  async attempting(to: string, line: number, messageId: string): Promise<void> {
    await this.journal.append(attemptLine(to, line, messageId, this.state.started !== undefined));
    this.tracker.recorded(to, 'attempt');
  }

  /**
   * Journals a recipient's outcome, counts it and tells the view. The line rides the journal's next
   * commit (the next recipient's `attempt`, or the run's end); a write that fails stops the run.
   */
  record(event: JournalEvent & { to: string }, outcome: Outcome, detail: string): void {
    this.journal.append(event, { ride: true }).catch((error: unknown) => this.end('stopped', (error as Error).message, error));
    this.tracker.recorded(event.to, event.ev);
    this.counts[outcome]++;
    this.options.onEvent({ type: 'recipient', to: event.to, outcome, detail });
  }
}
