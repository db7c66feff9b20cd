import { randomUUID } from 'node:crypto';
import { MessageComposer } from '../campaign/compose.js';
import { prepareCampaign, scanRecipients, type PreparedCampaign } from '../campaign/prepare.js';
import { InputError, LaterError, StopError } from '../errors.js';
import { Journal, lastEventByRecipient, type JournalEvent } from '../store/journal.js';
import { acquireLock } from '../store/lock.js';
import { ensureStateDir, readState, statePaths, writeState, type CampaignState, type StatePaths } from '../store/state.js';
import { openAccount, outboxAccount, type SendingAccount } from '../accounts/open-account.js';
import { systemClock } from '../throttle/clock.js';
import { formatRate } from '../throttle/rate.js';
import type { Transport } from '../transports/transport.js';
import { asDeliveryError } from './attempt.js';
import { CampaignRun, type RunOptions, type RunParts } from './campaign-run.js';
import { dispatch, isSettled } from './dispatch.js';
import { alreadyComplete, applyEnd, notYet, settle, type RunResult } from './outcome.js';
import { Pacer, spreadLimits } from './pacing.js';

export type { InDoubtPolicy, RunEvent, RunOptions } from './campaign-run.js';
export type { RunResult } from './outcome.js';
export type { Outcome, RunStatus } from '../status.js';

/** A campaign loaded for a run, before its account is opened. */
interface Loaded {
  options: RunOptions;
  campaign: PreparedCampaign;
  paths: StatePaths;
  existing?: CampaignState;
  via: string;
}

/**
 * The send loop: the only place where campaign, transport and store meet. The steps, in order: load the
 * campaign and its state → open the account → scan every row (a first send) → take the lock → sign in →
 * start the state → dispatch → settle → record the result.
 */
export async function runCampaign(options: RunOptions): Promise<RunResult> {
  const loaded = await load(options);
  if ('status' in loaded) return loaded;
  // The account is opened and signed in to before the campaign's state is written: a wrong name or password leaves none.
  const account = await openAccount(loaded.via, loaded.paths.outbox, options.limits);
  try {
    const rejected = await firstSendScan(loaded, account);
    await ensureStateDir(loaded.paths);
    return await underLock(loaded.paths, async () => {
      await checkAccount(account.transport, loaded.via);
      return startAndDeliver(loaded, account, rejected);
    });
  } finally {
    await account.transport.close();
  }
}

/** The campaign and its state; a result instead when there is nothing to do now. */
async function load(options: RunOptions): Promise<Loaded | RunResult> {
  const campaign = await prepareCampaign(options.campaignFile);
  campaign.layout.warnings.forEach(options.warn);
  const paths = statePaths(campaign.definition.file, options.stateDir);
  const existing = await readState(paths);
  if (!existing && options.resume) {
    throw new InputError(`${options.campaignFile} has not been started (no state in ${paths.dir}); use \`mailshot campaign send\``);
  }
  if (existing?.status === 'done') return alreadyComplete(paths);
  if (existing && (options.at || options.spreadMs)) {
    throw new InputError(`${options.campaignFile} was started already; --at and --spread apply when a campaign starts (move ${paths.dir} away to start over)`);
  }
  if (existing?.pausedUntil && Date.parse(existing.pausedUntil) > Date.now()) return notYet(existing, paths);
  const via = options.via ?? existing?.via ?? campaign.definition.via ?? outboxAccount;
  return { options, campaign, paths, existing, via };
}

/** A first send checks every row before it writes anything; the rows it rejects are journaled as skipped. */
async function firstSendScan(loaded: Loaded, account: SendingAccount): Promise<{ rejected: JournalEvent[]; recipients: number } | undefined> {
  if (loaded.existing) return undefined;
  const rejected: JournalEvent[] = [];
  const scan = await scanRecipients(loaded.campaign, {
    onRejected: (row) => rejected.push({ ev: 'skipped', at: Date.now(), reason: row.reason, line: row.line, value: row.value }),
    sizeLimit: account.sizeLimit,
  });
  return { rejected, recipients: scan.recipients };
}

async function underLock<T>(paths: StatePaths, body: () => Promise<T>): Promise<T> {
  const release = await acquireLock(paths.lock);
  try {
    return await body();
  } finally {
    await release();
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

type FirstSend = Awaited<ReturnType<typeof firstSendScan>>;

async function startAndDeliver(loaded: Loaded, account: SendingAccount, firstSend: FirstSend): Promise<RunResult> {
  const { paths, options } = loaded;
  let state = await readState(paths); // another run may have started it meanwhile
  if (state?.status === 'done') return alreadyComplete(paths);
  const journal = await Journal.open(paths.journal, options.warn);
  try {
    if (!state) {
      await Promise.all(firstSend!.rejected.map((event) => journal.append(event)));
      state = newState(loaded.campaign, loaded.via, firstSend!.recipients, options);
      await writeState(paths, state);
      if (state.status === 'scheduled') return { ...notYet(state, paths), idle: false };
    }
    return await deliver({ options: { ...options, via: loaded.via }, campaign: loaded.campaign, paths, state, journal, account });
  } finally {
    await journal.close();
  }
}

function newState(campaign: PreparedCampaign, via: string, recipients: number, options: RunOptions): CampaignState {
  const now = new Date();
  const startsAt = options.at ?? now;
  return {
    version: 1,
    campaignId: randomUUID(),
    campaignFile: campaign.definition.file,
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

/** Marks the campaign running, dispatches every due recipient, then settles and records how the run ended. */
async function deliver(parts: RunParts): Promise<RunResult> {
  const { options, state, journal, paths } = parts;
  const known = await lastEventByRecipient(paths.journal, options.warn);
  const alreadyDone = [...known.values()].filter(isSettled).length;
  const run = new CampaignRun(parts, new MessageComposer(parts.campaign.definition, state.campaignId), pacerFor(parts, alreadyDone));
  const onAbort = () => run.end('paused', 'interrupted; in-flight messages were finished and recorded');
  options.signal.addEventListener('abort', onAbort);
  if (options.signal.aborted) onAbort();
  Object.assign(state, { status: 'running', reason: undefined, pausedUntil: undefined, via: options.via });
  await writeState(paths, state);
  await journal.append({ ev: 'run', at: Date.now(), what: 'start', via: options.via });
  const tally = await dispatch(run, known, alreadyDone);
  options.signal.removeEventListener('abort', onAbort);
  return recordResult(run, settle(run.ending, { ...tally, counts: run.counts, limit: options.limit, localTime: parts.campaign.definition.deliver_at_local }));
}

/** The pacer, with --spread over the account's limits; every change of limits is journaled and shown. */
function pacerFor({ account, state, journal, options }: RunParts, alreadyDone: number): Pacer {
  return new Pacer(spreadLimits(account.limits, state, alreadyDone), account.usage, systemClock, (change) => {
    const event = { ev: 'limits', at: Date.now(), concurrency: change.to.concurrency, rate: change.to.rate && formatRate(change.to.rate), why: change.why } as const;
    void journal.append(event).catch(() => undefined);
    options.onEvent({ type: 'limits', concurrency: event.concurrency, rate: event.rate, why: event.why });
  });
}

/** Writes how the run ended to the journal and the snapshot, and tells the view. */
async function recordResult(run: CampaignRun, end: ReturnType<typeof settle>): Promise<RunResult> {
  const { state, journal, paths, options } = run.parts;
  applyEnd(state, end);
  await journal.append({ ev: 'run', at: Date.now(), what: 'end', status: end.status }).catch(() => undefined);
  // After a failure such as a full disk the snapshot may not be writable either: the first error is the one to report.
  await writeState(paths, state).catch((error: unknown) => {
    if (end.error === undefined) throw error;
  });
  options.onEvent({ type: 'end', status: end.status, reason: end.reason, pausedUntil: state.pausedUntil });
  return { status: end.status, reason: end.reason, error: end.error, counts: run.counts, paths, until: state.pausedUntil };
}
