import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { MessageComposer } from '../campaign/compose.js';
import { prepareCampaign, recipientsOf, scanRecipients, type PreparedCampaign } from '../campaign/prepare.js';
import { isRecipient, type Recipient } from '../campaign/recipients.js';
import { InputError, LaterError, MailshotError, StopError } from '../errors.js';
import { Journal, readJournal, type JournalEvent } from '../store/journal.js';
import { acquireLock } from '../store/lock.js';
import { ensureStateDir, readState, statePaths, writeState, type CampaignState, type StatePaths } from '../store/state.js';
import { openTransport, outboxAccount } from '../transports/open.js';
import { DeliveryError, type Transport } from '../transports/transport.js';

export type InDoubtPolicy = 'resend' | 'skip';

export interface RunOptions {
  campaignFile: string;
  stateDir?: string;
  via?: string;
  /** Hand at most this many messages to the transport in this run. */
  limit?: number;
  inDoubt: InDoubtPolicy;
  /** `resume` rather than `send`: refuses a campaign that was never started. */
  resume: boolean;
  /** Aborting stops dispatching; in-flight messages finish and are recorded. */
  signal: AbortSignal;
  onEvent: (event: RunEvent) => void;
  warn: (message: string) => void;
}

export type Outcome = 'sent' | 'failed' | 'deferred' | 'skipped';

export type RunEvent =
  | { type: 'start'; campaign: string; via: string; recipients: number; alreadyDone: number; toSend: number }
  | { type: 'recipient'; to: string; outcome: Outcome; detail: string }
  | { type: 'end'; status: RunStatus; reason: string };

export type RunStatus = 'done' | 'paused' | 'stopped';

export interface RunResult {
  status: RunStatus;
  /** One sentence for the person: what happened and what to do next. */
  reason: string;
  counts: Record<Outcome, number>;
  paths: StatePaths;
}

const maxAttempts = 3;
const defaultConcurrency = 4;

/** The send loop: the only place where campaign, transport and store meet. */
export async function runCampaign(options: RunOptions): Promise<RunResult> {
  const campaign = await prepareCampaign(options.campaignFile);
  campaign.layout.warnings.forEach(options.warn);
  const paths = statePaths(campaign.definition.file, options.stateDir);
  const existing = await readState(paths);
  if (!existing && options.resume) {
    throw new InputError(`${options.campaignFile} has not been started (no state in ${paths.dir}); use \`mailshot campaign send\``);
  }
  if (existing?.status === 'done') return alreadyComplete(paths);
  // A first send checks every row before it writes anything.
  const rejected: JournalEvent[] = [];
  const scan = existing ? undefined : await scanRecipients(campaign, (row) => {
    rejected.push({ ev: 'skipped', at: Date.now(), reason: row.reason, line: row.line, value: row.value });
  });
  await ensureStateDir(paths);
  const release = await acquireLock(paths.lock);
  try {
    let state = await readState(paths); // another run may have started it meanwhile
    if (state?.status === 'done') return alreadyComplete(paths);
    const journal = await Journal.open(paths.journal, options.warn);
    try {
      if (!state) {
        await Promise.all(rejected.map((event) => journal.append(event)));
        state = newState(campaign, options, scan!.recipients);
        await writeState(paths, state);
      }
      const via = options.via ?? state.via;
      const transport = await openTransport(via, paths.outbox);
      try {
        await checkAccount(transport, via);
        return await deliver(campaign, state, { ...options, via }, paths, journal, transport);
      } finally {
        await transport.close();
      }
    } finally {
      await journal.close();
    }
  } finally {
    await release();
  }
}

function alreadyComplete(paths: StatePaths): RunResult {
  return { status: 'done', reason: 'this campaign is already complete; nothing to send', counts: zeroCounts(), paths };
}

function newState(campaign: PreparedCampaign, options: RunOptions, recipients: number): CampaignState {
  const now = new Date().toISOString();
  return {
    version: 1,
    campaignId: randomUUID(),
    campaignFile: campaign.definition.file,
    via: options.via ?? campaign.definition.via ?? outboxAccount,
    status: 'running',
    recipients,
    createdAt: now,
    updatedAt: now,
  };
}

async function deliver(
  campaign: PreparedCampaign,
  state: CampaignState,
  options: RunOptions & { via: string },
  paths: StatePaths,
  journal: Journal,
  transport: Transport,
): Promise<RunResult> {
  const known = await lastEvents(paths.journal, options.warn);
  const composer = new MessageComposer(campaign.definition, state.campaignId);
  const counts = zeroCounts();
  let stop: { status: RunStatus; reason: string; error?: MailshotError } | undefined;
  const halt = (status: RunStatus, reason: string, error?: MailshotError) => {
    stop ??= { status, reason, error };
  };
  const onAbort = () => halt('paused', 'interrupted; in-flight messages were finished and recorded');
  options.signal.addEventListener('abort', onAbort);
  if (options.signal.aborted) onAbort();

  const record = async (event: JournalEvent & { to: string }, outcome: Outcome, detail: string) => {
    await journal.append(event);
    counts[outcome]++;
    options.onEvent({ type: 'recipient', to: event.to, outcome, detail });
  };

  const sendOne = async (recipient: Recipient) => {
    if (stop) return;
    let message;
    try {
      message = await composer.compose(recipient, campaign.templates.render(recipient.fields));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      await record({ ev: 'failed', to: recipient.key, at: Date.now(), kind: 'template', text: error.message }, 'failed', error.message);
      return;
    }
    for (let attempt = 1; ; attempt++) {
      await journal.append({ ev: 'attempt', to: recipient.key, at: Date.now() });
      try {
        const accepted = await transport.send(message);
        await record({ ev: 'sent', to: recipient.key, at: Date.now(), reply: accepted.response.slice(0, 200) }, 'sent', accepted.response);
        return;
      } catch (error) {
        const failure = asDeliveryError(error);
        const details = { kind: failure.kind, code: failure.details.code, text: failure.message.slice(0, 500) };
        if (failure.kind === 'permanent') {
          await record({ ev: 'failed', to: recipient.key, at: Date.now(), ...details }, 'failed', failure.message);
          return;
        }
        if ((failure.kind === 'transient' || failure.kind === 'throttled') && attempt < maxAttempts && !stop) {
          if (await waitBeforeRetry(attempt, failure, options.signal)) continue;
        }
        if (failure.kind === 'quota') {
          const until = failure.details.retryAt ?? new Date(Date.now() + 3600_000);
          state.pausedUntil = until.toISOString();
          halt('paused', `the account's sending quota is used up (${failure.message}); paused until ${state.pausedUntil}`);
        } else if (failure.kind === 'auth' || failure.kind === 'config') {
          halt('stopped', failure.message, new StopError(failure.message));
        }
        await record({ ev: 'deferred', to: recipient.key, at: Date.now(), ...details }, 'deferred', failure.message);
        return;
      }
    }
  };

  const concurrency = defaultConcurrency;
  const limit = pLimit(concurrency);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let remaining = 0;
  let dispatched = 0;
  let alreadyDone = 0;
  let started = false;
  state.status = 'running';
  state.reason = undefined;
  state.pausedUntil = undefined;
  state.via = options.via;
  await writeState(paths, state);
  await journal.append({ ev: 'run', at: Date.now(), what: 'start', via: options.via });

  for await (const row of recipientsOf(campaign)) {
    if (!isRecipient(row)) continue;
    const last = known.get(row.key);
    if (last === 'sent' || last === 'failed' || last === 'skipped') {
      alreadyDone++;
      continue;
    }
    if (last === 'attempt' && options.inDoubt === 'skip') {
      await record({ ev: 'skipped', to: row.key, at: Date.now(), reason: 'in_doubt', line: row.line }, 'skipped', 'in doubt: not resent (--in-doubt skip)');
      continue;
    }
    remaining++;
    if (stop || failure || (options.limit !== undefined && dispatched >= options.limit)) continue;
    if (!started) {
      started = true;
      options.onEvent({ type: 'start', campaign: campaign.definition.name, via: options.via, recipients: state.recipients, alreadyDone, toSend: Math.min(state.recipients - alreadyDone, options.limit ?? Infinity) });
    }
    dispatched++;
    const task: Promise<void> = limit(() => sendOne(row)).catch((error: unknown) => {
      failure ??= error;
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    if (inFlight.size >= concurrency * 2) await Promise.race(inFlight);
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
  else if (counts.deferred > 0) result = { status: 'paused', reason: `${counts.deferred} recipient(s) deferred after ${maxAttempts} attempts; run resume later` };
  else if (left > 0) result = { status: 'paused', reason: `stopped at --limit ${options.limit}; ${left} recipient(s) left` };
  else result = { status: 'done', reason: 'all recipients handled' };

  state.status = result.status;
  state.reason = result.status === 'done' ? undefined : result.reason;
  await journal.append({ ev: 'run', at: Date.now(), what: 'end', status: result.status }).catch(() => undefined);
  await writeState(paths, state);
  options.onEvent({ type: 'end', status: result.status, reason: result.reason });
  if (result.error) throw result.error;
  return { status: result.status, reason: result.reason, counts, paths };
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

/** Each recipient's last recorded event kind, to skip those already handled. */
async function lastEvents(journalFile: string, warn: (message: string) => void): Promise<Map<string, JournalEvent['ev']>> {
  const known = new Map<string, JournalEvent['ev']>();
  for await (const event of readJournal(journalFile, warn)) {
    if ('to' in event && event.to) known.set(event.to, event.ev);
  }
  return known;
}

/** Waits 1 s, 2 s, 4 s … (with jitter) or until the server's retry time; false when stopped meanwhile. */
async function waitBeforeRetry(attempt: number, failure: DeliveryError, signal: AbortSignal): Promise<boolean> {
  const backoff = 1000 * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4);
  const wait = failure.details.retryAt ? Math.max(1000, failure.details.retryAt.getTime() - Date.now()) : backoff;
  if (wait > 60_000) return false;
  try {
    await sleep(wait, undefined, { signal });
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
