import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageComposer } from '../campaign/compose.js';
import { checkSize, prepareCampaign, recipientsOf, scanRecipients, type PreparedCampaign } from '../campaign/prepare.js';
import { isRecipient, type Recipient } from '../campaign/recipients.js';
import { InputError, LaterError, MailshotError, StopError } from '../errors.js';
import { loadProgress, ProgressTracker } from '../store/checkpoint.js';
import { Journal, type JournalEvent } from '../store/journal.js';
import { acquireLock } from '../store/lock.js';
import { ensureStateDir, readState, statePaths, writeState, type CampaignState, type StatePaths } from '../store/state.js';
import type { AccountLimits } from '../accounts/account.js';
import { connectAccount, outboxAccount, type Connection } from '../accounts/connect.js';
import { setStateAside } from '../store/set-aside.js';
import { continuationOf, realPath } from './identity.js';
import type { EffectiveLimits } from '../accounts/limits.js';
import { systemClock } from '../throttle/clock.js';
import { LearnedCeiling, learnedCeilingDays } from '../throttle/learned-ceiling.js';
import { configDir } from '../accounts/config-dir.js';
import { formatRate, type Rate } from '../throttle/rate.js';
import { isUnreachable } from '../transports/classify.js';
import { DeliveryError, type OutgoingMessage, type Transport } from '../transports/transport.js';
import { Pacer } from './pacing.js';
import { DeliverySchedule } from './schedule.js';

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
  /** Aborting stops dispatching; in-flight messages finish and are recorded. */
  signal: AbortSignal;
  onEvent: (event: RunEvent) => void;
  warn: (message: string) => void;
}

/** What a first real send is about to do, for the person to confirm. */
export interface SendPlan {
  via: string;
  from: string;
  recipients: number;
  limits: EffectiveLimits;
}

export type Outcome = 'sent' | 'failed' | 'deferred' | 'skipped';

export type RunEvent =
  | { type: 'start'; campaign: string; via: string; recipients: number; alreadyDone: number; toSend: number }
  | { type: 'recipient'; to: string; outcome: Outcome; detail: string }
  | { type: 'limits'; concurrency: number; rate?: string; why: string }
  | { type: 'end'; status: RunStatus; reason: string; pausedUntil?: string };

export type RunStatus = 'done' | 'scheduled' | 'paused' | 'stopped';

export interface RunResult {
  status: RunStatus;
  /** One sentence for the person: what happened and what to do next. */
  reason: string;
  counts: Record<Outcome, number>;
  paths: StatePaths;
  /** Nothing was due or left to do: a command run from cron says nothing. */
  idle?: boolean;
  /** Paused or scheduled: nothing more is sent before this time. */
  until?: string;
}

/** Attempts per recipient for a temporary reply, for throttling, and for a server that cannot be reached. */
const maxAttempts = 3;
const maxThrottledAttempts = 8;
const maxNetworkAttempts = 4;
/** A server that asks for a longer wait than this pauses the run (exit 75) instead of holding it open. */
const maxRetryWaitMs = 5 * 60_000;

/** The send loop: the only place where campaign, transport and store meet. */
export async function runCampaign(options: RunOptions): Promise<RunResult> {
  const campaign = await prepareCampaign(options.campaignFile);
  campaign.layout.warnings.forEach(options.warn);
  const paths = statePaths(campaign.definition.file, options.stateDir);
  const found = await readState(paths);
  if (!found && options.resume) {
    throw new InputError(`${options.campaignFile} has not been started (no state in ${paths.dir}); use \`mailshot campaign send\``);
  }
  const continuation = continuationOf(found, campaign.definition.file, options.via ?? campaign.definition.via, paths);
  if (options.resume && continuation.fresh) {
    throw new InputError(`${options.campaignFile} was never started through "${continuation.via}" (only rehearsed in the outbox); use \`mailshot campaign send\``);
  }
  const existing = continuation.fresh ? undefined : found;
  if (existing?.status === 'done') return alreadyComplete(paths);
  if (existing && (options.at || options.spreadMs)) {
    throw new InputError(`${options.campaignFile} was started already; --at and --spread apply when a campaign starts (\`mailshot campaign reset\` starts it over)`);
  }
  if (existing?.pausedUntil && Date.parse(existing.pausedUntil) > Date.now()) return notYet(existing, paths);
  // The account is opened and signed in to before the campaign's state is written: a wrong name or password leaves none.
  const { via } = continuation;
  const account = await connectAccount(via, paths.outbox, options.limits);
  try {
    // A first send checks every row before it writes anything.
    const rejected: JournalEvent[] = [];
    const scan = existing ? undefined : await scanRecipients(campaign, {
      onRejected: (row) => rejected.push({ ev: 'skipped', at: Date.now(), reason: row.reason, line: row.line, value: row.value }),
      sizeLimit: account.sizeLimit,
    });
    if (scan && via !== outboxAccount && options.confirm && !(await options.confirm({ via, from: campaign.definition.from, recipients: scan.recipients, limits: account.limits }))) {
      throw new StopError('cancelled; nothing was sent');
    }
    if (continuation.fresh && continuation.rehearsal) {
      const kept = await setStateAside(paths, 'rehearsal');
      options.warn(`the outbox run of this campaign was a rehearsal and counts for nothing: it is kept in ${kept} (\`mailshot report FILE --state ${kept}\`); this run through "${via}" starts afresh`);
    }
    await ensureStateDir(paths);
    const release = await acquireLock(paths.lock);
    try {
      await checkAccount(account.transport, via);
      let state = await readState(paths); // another run may have started it meanwhile
      if (state && state.via !== via) throw new LaterError(`another run started this campaign through "${state.via}" meanwhile; nothing was sent`);
      if (state?.status === 'done') return alreadyComplete(paths);
      const journal = await Journal.open(paths.journal, options.warn);
      try {
        if (!state) {
          await Promise.all(rejected.map((event) => journal.append(event)));
          state = newState(campaign, via, scan!.recipients, options);
          await writeState(paths, state);
          if (state.status === 'scheduled') return { ...notYet(state, paths), idle: false };
        }
        state.campaignFile = realPath(campaign.definition.file);
        return await deliver(campaign, state, { ...options, via }, paths, journal, account);
      } finally {
        await journal.close();
      }
    } finally {
      await release();
    }
  } finally {
    await account.transport.close();
  }
}

function alreadyComplete(paths: StatePaths): RunResult {
  return { status: 'done', reason: 'this campaign is already complete; nothing to send', counts: zeroCounts(), paths, idle: true };
}

/** A campaign whose next delivery is later: nothing is sent now. */
function notYet(state: CampaignState, paths: StatePaths): RunResult {
  const status = state.status === 'scheduled' ? 'scheduled' : 'paused';
  const why = state.status === 'scheduled' ? 'scheduled' : `paused (${state.reason ?? 'quota'})`;
  return {
    status,
    reason: `${why}; nothing is sent before ${state.pausedUntil}. Run \`mailshot campaign resume\` then (see \`mailshot campaign cron\`)`,
    counts: zeroCounts(),
    paths,
    idle: true,
    until: state.pausedUntil,
  };
}

function newState(campaign: PreparedCampaign, via: string, recipients: number, options: RunOptions): CampaignState {
  const now = new Date();
  const startsAt = options.at ?? now;
  return {
    version: 1,
    campaignId: randomUUID(),
    campaignFile: realPath(campaign.definition.file),
    via,
    status: options.at ? 'scheduled' : 'running',
    recipients,
    pausedUntil: options.at?.toISOString(),
    scheduledAt: options.at?.toISOString(),
    spreadUntil: options.spreadMs ? new Date(startsAt.getTime() + options.spreadMs).toISOString() : undefined,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

async function deliver(
  campaign: PreparedCampaign,
  state: CampaignState,
  options: RunOptions & { via: string },
  paths: StatePaths,
  journal: Journal,
  account: Connection,
): Promise<RunResult> {
  const progress = await loadProgress(paths, campaign, state.campaignId, options.warn);
  const { known, prefixKeys } = progress;
  const alreadyDone = prefixKeys.size + [...known.values()].filter(isSettled).length;
  const tracker = new ProgressTracker(progress, isSettled);
  const composer = new MessageComposer(campaign.definition, state.campaignId);
  const counts = zeroCounts();
  let stop: { status: RunStatus; reason: string; error?: MailshotError } | undefined;
  const halt = (status: RunStatus, reason: string, error?: MailshotError) => {
    stop ??= { status, reason, error };
  };
  const pauseUntil = (time: number, why: string) => {
    state.pausedUntil = new Date(time).toISOString();
    halt('paused', `${why}; paused until ${state.pausedUntil}`);
  };
  const onAbort = () => halt('paused', 'interrupted; in-flight messages were finished and recorded');
  options.signal.addEventListener('abort', onAbort);
  if (options.signal.aborted) onAbort();

  const record = async (event: JournalEvent & { to: string }, outcome: Outcome, detail: string) => {
    await journal.append(event);
    tracker.recorded(event.to, event.ev);
    counts[outcome]++;
    options.onEvent({ type: 'recipient', to: event.to, outcome, detail });
  };
  const schedule = new DeliverySchedule(campaign.definition, Date.parse(state.scheduledAt ?? state.createdAt), options.warn);
  const learned = options.via === outboxAccount ? undefined : await LearnedCeiling.load(configDir(), options.via);
  if (learned?.concurrency !== undefined && learned.concurrency < account.limits.maxConcurrent) {
    options.warn(`account "${options.via}": starting at ${learned.concurrency} at once, not ${account.limits.maxConcurrent}: its server refused more connections in an earlier run (remembered for ${learnedCeilingDays} days)`);
  }
  const pacer = new Pacer(spreadLimits(account.limits, state, alreadyDone), account.usage, systemClock, (change) => {
    const event = { ev: 'limits', at: Date.now(), concurrency: change.to.concurrency, rate: change.to.rate && formatRate(change.to.rate), why: change.why } as const;
    void journal.append(event).catch(() => undefined);
    options.onEvent({ type: 'limits', concurrency: event.concurrency, rate: event.rate, why: event.why });
  }, learned);

  const sendOne = async (recipient: Recipient, inDoubt: boolean) => {
    if (stop) return;
    let message;
    try {
      message = await composer.compose(recipient, campaign.templates.render(recipient.fields));
      if (account.sizeLimit) checkSize(message.raw.length, account.sizeLimit, campaign.definition, recipient);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      await record({ ev: 'failed', to: recipient.key, at: Date.now(), kind: 'template', text: error.message }, 'failed', error.message);
      return;
    }
    if (inDoubt && account.transport.findSent && (await account.transport.findSent(message.messageId).catch(() => false))) {
      await record({ ev: 'sent', to: recipient.key, at: Date.now(), reply: `found in Sent by its Message-ID ${message.messageId}` }, 'sent', 'already sent (found in Sent)');
      return;
    }
    // Each attempt takes a slot of its own: a recipient waiting to retry does not hold one.
    for (let attempt = 1; ; attempt++) {
      const retry = await pacer.slots(() => attemptOnce(recipient, message, attempt));
      if (!retry) return;
      waitingToRetry++;
      const resumed = await pause(retry.inMs, options.signal);
      waitingToRetry--;
      if (!resumed || stop) return retry.giveUp();
    }
  };

  /** One hand-off to the transport. Returns when to retry (and how to give up), or nothing when settled. */
  const attemptOnce = async (recipient: Recipient, message: OutgoingMessage, attempt: number): Promise<Retry | undefined> => {
    const slot = await pacer.beforeSend(options.signal).catch(() => undefined); // undefined: interrupted while waiting
    if (!slot || stop) return undefined;
    if (!slot.ok) {
      pauseUntil(slot.freeAt, `the account's daily limit of ${account.limits.dailyLimit} messages is reached`);
      return undefined;
    }
    await journal.append({ ev: 'attempt', to: recipient.key, at: Date.now() });
    tracker.recorded(recipient.key, 'attempt');
    try {
      const accepted = await account.transport.send(message);
      pacer.onAccepted();
      delivered = true;
      await record({ ev: 'sent', to: recipient.key, at: Date.now(), reply: accepted.response.slice(0, 200) }, 'sent', accepted.response);
      return undefined;
    } catch (error) {
      const failure = asDeliveryError(error);
      const details = { kind: failure.kind, code: failure.details.code, text: failure.message.slice(0, 500) };
      const giveUp = () => record({ ev: 'deferred', to: recipient.key, at: Date.now(), ...details }, 'deferred', failure.message);
      const retryUnless = async (lastAttempt: number, inMs: number) => (attempt < lastAttempt ? { inMs, giveUp } : (await giveUp(), undefined));
      switch (lossOf(failure, delivered)) {
        case 'recipient':
          await record({ ev: 'failed', to: recipient.key, at: Date.now(), ...details }, 'failed', failure.message);
          return undefined;
        case 'quota':
          pauseUntil(failure.details.retryAt?.getTime() ?? (await account.usage?.nextFreeAt()) ?? Date.now() + 3_600_000, `the account's sending quota is used up (${failure.message})`);
          await giveUp();
          return undefined;
        case 'account':
          halt('stopped', failure.message, new StopError(failure.message));
          await giveUp();
          return undefined;
        case 'network':
          if (attempt >= maxNetworkAttempts) halt('paused', `cannot reach the server (${failure.message})`);
          return retryUnless(maxNetworkAttempts, backoff(attempt));
        case 'throttled': {
          const wait = pacer.onThrottled(failure);
          if (wait <= maxRetryWaitMs) return retryUnless(maxThrottledAttempts, wait);
          pauseUntil(Date.now() + wait, `the server asked to wait (${failure.message})`);
          await giveUp();
          return undefined;
        }
        case 'transient':
          return retryUnless(maxAttempts, backoff(attempt));
      }
    }
  };

  const inFlight = new Set<Promise<void>>();
  let delivered = false;
  let waitingToRetry = 0;
  let failure: unknown;
  let remaining = 0;
  let dispatched = 0;
  let nextDue = Infinity;
  let started = false;
  state.status = 'running';
  state.reason = undefined;
  state.pausedUntil = undefined;
  state.via = options.via;
  await writeState(paths, state);
  await journal.append({ ev: 'run', at: Date.now(), what: 'start', via: options.via });

  const settledKey = (key: string) => isSettled(known.get(key)) || prefixKeys.has(key);
  for await (const row of recipientsOf(campaign, settledKey, { start: progress.start, onRow: tracker.onRow })) {
    if (!isRecipient(row)) continue;
    const last = known.get(row.key);
    if (last === 'attempt' && options.inDoubt === 'skip') {
      await record({ ev: 'skipped', to: row.key, at: Date.now(), reason: 'in_doubt', line: row.line }, 'skipped', 'in doubt: not resent (--in-doubt skip)');
      continue;
    }
    const due = schedule.dueAt(row);
    if (due > Date.now()) {
      nextDue = Math.min(nextDue, due);
      continue;
    }
    remaining++;
    if (stop || failure || (options.limit !== undefined && dispatched >= options.limit)) continue;
    if (!started) {
      started = true;
      options.onEvent({ type: 'start', campaign: campaign.definition.name, via: options.via, recipients: state.recipients, alreadyDone, toSend: Math.min(state.recipients - alreadyDone, options.limit ?? Infinity) });
    }
    dispatched++;
    const task: Promise<void> = sendOne(row, last === 'attempt').catch((error: unknown) => {
      failure ??= error;
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    // As many recipients in hand as there are slots (plus those waiting to retry): more would only hold composed messages in memory.
    while (inFlight.size >= pacer.slots.concurrency + waitingToRetry) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  options.signal.removeEventListener('abort', onAbort);
  if (!started) {
    options.onEvent({ type: 'start', campaign: campaign.definition.name, via: options.via, recipients: state.recipients, alreadyDone, toSend: 0 });
  }

  const left = remaining - counts.sent - counts.failed;
  let result: { status: RunStatus; reason: string; error?: unknown };
  if (failure) result = { status: 'stopped', reason: (failure as Error).message, error: failure };
  else if (stop) result = stop;
  else if (counts.deferred > 0) result = { status: 'paused', reason: `${counts.deferred} recipient(s) deferred after repeated temporary failures; run resume later` };
  else if (left > 0) result = { status: 'paused', reason: `stopped at --limit ${options.limit}; ${left} recipient(s) left` };
  else if (nextDue < Infinity) {
    state.pausedUntil = new Date(nextDue).toISOString();
    result = { status: 'scheduled', reason: `the next recipients are due at ${state.pausedUntil} (their local ${campaign.definition.deliver_at_local})` };
  } else result = { status: 'done', reason: 'all recipients handled' };

  state.status = result.status;
  state.reason = result.status === 'done' ? undefined : result.reason;
  if (result.status === 'done' || result.status === 'stopped') state.pausedUntil = undefined;
  await journal.append({ ev: 'run', at: Date.now(), what: 'end', status: result.status }).catch(() => undefined);
  // After a failure such as a full disk the snapshot may not be writable either: the first error is the one to report.
  await writeState(paths, state).catch((error: unknown) => {
    if (!result.error) throw error;
  });
  await tracker.save(paths, campaign, state.campaignId);
  options.onEvent({ type: 'end', status: result.status, reason: result.reason, pausedUntil: state.pausedUntil });
  if (result.error) throw result.error;
  return { status: result.status, reason: result.reason, counts, paths, until: state.pausedUntil };
}

/**
 * With `--spread`, the recipients still to send are spaced evenly over what is left of the window;
 * the account's own rate still applies when it is the lower.
 */
function spreadLimits(limits: EffectiveLimits, state: CampaignState, finished: number): EffectiveLimits {
  const windowMs = state.spreadUntil ? Date.parse(state.spreadUntil) - Date.now() : 0;
  if (windowMs <= 0) return limits;
  const left = state.recipients - finished;
  if (left <= 0) return limits;
  const spread: Rate = { count: left, perMs: windowMs };
  const slower = !limits.rate || spread.count / spread.perMs < limits.rate.count / limits.rate.perMs;
  return slower ? { ...limits, rate: spread } : limits;
}

/** Sent, failed for good, or skipped on purpose: nothing more to do for this recipient. */
function isSettled(event: JournalEvent['ev'] | undefined): boolean {
  return event === 'sent' || event === 'failed' || event === 'skipped';
}

/** A failed attempt to be tried again after `inMs`, or given up (recorded as deferred). */
interface Retry {
  inMs: number;
  giveUp: () => Promise<void>;
}

type Loss = 'recipient' | 'quota' | 'account' | 'network' | 'throttled' | 'transient';

/**
 * What a failure costs: this recipient only, the account's quota, the account itself (credentials,
 * settings), the network, or a temporary hiccup. A server that refuses connections after this run
 * already delivered through it has gone away: that is network loss, not a wrong setting.
 */
function lossOf(failure: DeliveryError, deliveredBefore: boolean): Loss {
  switch (failure.kind) {
    case 'permanent':
      return 'recipient';
    case 'quota':
      return 'quota';
    case 'auth':
      return 'account';
    case 'config':
      return deliveredBefore && isUnreachable(failure) ? 'network' : 'account';
    case 'throttled':
      return 'throttled';
    case 'transient':
      return /^\d{3}\b/.test(failure.details.code ?? '') ? 'transient' : 'network';
  }
}

/** Connects and signs in before the first message, so a wrong password or host stops the run before it starts. */
async function checkAccount(transport: Transport, via: string): Promise<void> {
  try {
    await transport.verify();
  } catch (error) {
    const failure = asDeliveryError(error);
    const message = `account "${via}": ${failure.message}`;
    if (failure.kind === 'auth' || failure.kind === 'config') throw new StopError(message);
    throw new LaterError(`${message}; nothing was sent. Run \`mailshot campaign resume\` later`);
  }
}

/** 1 s, 2 s, 4 s … with jitter. */
function backoff(attempt: number): number {
  return 1000 * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4);
}

/** Waits; false when the run was interrupted meanwhile. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof MailshotError) throw error;
  return new DeliveryError('transient', (error as Error)?.message ?? String(error));
}

function zeroCounts(): Record<Outcome, number> {
  return { sent: 0, failed: 0, deferred: 0, skipped: 0 };
}
