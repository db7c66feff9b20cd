import { randomUUID } from 'node:crypto';
import { MessageComposer } from '../campaign/compose.js';
import { prepareCampaign, scanRecipients } from '../campaign/prepare.js';
import { InputError, LaterError, StopError } from '../errors.js';
import { Journal } from '../store/journal.js';
import type { JournalEvent } from '../store/journal-line.js';
import { acquireLock } from '../store/lock.js';
import { setStateAside } from '../store/set-aside.js';
import { refuseMismatch, refuseOtherCampaign, refuseShorter, saveState } from '../store/journal-check.js';
import { ensureStateDir, readState, statePaths, type CampaignState } from '../store/state.js';
import { openAccount, outboxAccount, type SendingAccount } from '../accounts/open-account.js';
import { loadProgress, ProgressTracker, type Progress } from './checkpoint.js';
import { RunContext, type FirstSend, type Prepared, type RunOptions, type Started } from './run-context.js';
import { continuationOf, realPath } from './identity.js';
import { dispatch, isSettled, type Dispatched } from './dispatch.js';
import { alreadyComplete, applyEnd, notYet, settle, type RunResult } from './outcome.js';
import { pacerFor } from './run-pacer.js';
import { suppressionFor } from './suppression.js';
import { recipientsNotDone } from './new-rows.js';
import { startedAs, warnOfChanges } from './started-as.js';
import { copiesAcceptedIn } from './copies-accepted.js';
import { ListDigest } from '../campaign/list-digest.js';
import { FirstPass } from './first-pass.js';
import { listAtStart } from '../report/list-changes.js';
import { writeOwnerOnly } from '../system/owner-only.js';
import type { SuppressionList } from '../suppress/list.js';
import { Closers } from './closers.js';
import { EarlyChecks } from './early-checks.js';

export type { InDoubtPolicy, RunEvent, RunOptions, SendPlan } from './run-context.js';
export type { RunResult } from './outcome.js';
export type { Outcome, RunStatus } from '../status.js';

/**
 * The send loop, the only place where campaign, transport and store meet: load → open the account → check a first
 * send's rows → confirm → set a rehearsal aside → lock → sign in → start the state → dispatch → record the result.
 * Each step takes what the steps before it gave. The account is opened and signed in to before the campaign's state
 * is written, and a first send checks every row before it writes anything: a wrong name, password or CSV leaves no
 * state behind. Loading or starting the state may end the run early with a result (nothing to do now). A first
 * send's DNS look-ups, when they hold the send, start once the account is open and go on meanwhile.
 */
export async function runCampaign(options: RunOptions): Promise<RunResult> {
  const opened = new Closers();
  try {
    const prepared = await load(options);
    if (isResult(prepared)) return prepared;
    const account = await openAccount(prepared.via, prepared.paths.outbox, options.limits);
    opened.add(() => closeAccount(account));
    const early = new EarlyChecks(prepared, account);
    opened.add(async () => early.stop());
    const result = await sendThrough(prepared, account, early, opened);
    await early.deliverabilityTold();
    return result;
  } finally {
    await opened.close();
  }
}

async function sendThrough(prepared: Prepared, account: SendingAccount, early: EarlyChecks, opened: Closers): Promise<RunResult> {
  const firstSend = prepared.existing ? undefined : await scanFirstSend(prepared, account);
  if (firstSend) await confirmFirstSend(prepared, account, firstSend, early);
  await setRehearsalAside(prepared);
  await ensureStateDir(prepared.paths);
  const releaseLock = await acquireLock(prepared.paths.lock);
  opened.add(releaseLock);
  await early.signedIn();
  const started = await startState(prepared, firstSend, opened);
  if (isResult(started)) return started;
  const watched = { ...prepared, options: early.watching(prepared.options) };
  const { run, progress, alreadyDone, suppressed } = await readyToDispatch(watched, started, account, firstSend);
  early.handOver();
  const dispatched = await dispatchDue(run, progress, alreadyDone, suppressed);
  return await recordResult(run, dispatched);
}

function isResult<T extends object>(stage: T | RunResult): stage is RunResult {
  return 'counts' in stage;
}

/** The campaign and its state; a result instead when there is nothing to do now. */
async function load(options: RunOptions): Promise<Prepared | RunResult> {
  const campaign = await prepareCampaign(options.campaignFile);
  campaign.layout.warnings.forEach(options.warn);
  const paths = statePaths(campaign.definition.file, options.stateDir);
  const found = await readState(paths);
  await refuseMismatch(paths, found, options.campaignFile);
  if (!found && options.resume) {
    throw new InputError(`${options.campaignFile} has not been started (no state in ${paths.dir}); use \`mailshot campaign send\``);
  }
  const continuation = continuationOf(found, campaign.definition.file, options.via ?? campaign.definition.via, paths);
  if (options.resume && continuation.fresh) {
    throw new InputError(
      `${options.campaignFile} was never started through "${continuation.via}" (only rehearsed in the outbox); use \`mailshot campaign send\``,
    );
  }
  const existing = continuation.fresh ? undefined : found;
  const prepared: Prepared = { options, campaign, paths, via: continuation.via, continuation, existing };
  if (existing?.status === 'done') {
    prepared.pending = await recipientsNotDone(prepared, existing);
    if (!prepared.pending) return nothingLeft(prepared, existing);
    options.warn(`${prepared.pending} recipient(s) added to ${campaign.definition.recipients} since this campaign was done; sending them`);
  }
  if (existing && (options.at || options.spreadMs)) {
    throw new InputError(
      `${options.campaignFile} was started already; --at and --spread apply when a campaign starts (\`mailshot campaign reset\` starts it over)`,
    );
  }
  if (existing?.pausedUntil && Date.parse(existing.pausedUntil) > Date.now()) return notYet(existing, paths);
  return prepared;
}

/** Closes the account's connections before its slots are given back: another process may open its own at once. */
async function closeAccount(account: SendingAccount): Promise<void> {
  try {
    await account.transport.closeIdle?.();
    await Promise.all([account.transport.close(), account.usage?.close()]);
  } finally {
    await account.shared?.close();
  }
}

/** A first send reads every row before anything is written; the rows it rejects are journaled as skipped. */
async function scanFirstSend({ campaign }: Prepared, account: SendingAccount): Promise<FirstSend> {
  const rejected: JournalEvent[] = [];
  const list = new ListDigest();
  const pass = new FirstPass();
  const scan = await scanRecipients(campaign, {
    onRejected: (row) => {
      pass.keep(row);
      rejected.push({ ev: 'skipped', at: Date.now(), reason: row.reason, line: row.line, value: row.value });
    },
    onRecipient: (recipient) => {
      pass.keep(recipient);
      list.add(recipient);
    },
    reading: pass.reading,
    sizeLimit: account.sizeLimit,
  });
  return { rejected, recipients: scan.recipients, list, pass };
}

/** A first real send: the From domain's DNS verdict, then, on a terminal, what it is about to do, and a question; the outbox never asks. */
async function confirmFirstSend(
  { options, via, campaign }: Prepared,
  account: SendingAccount,
  { recipients }: FirstSend,
  early: EarlyChecks,
): Promise<void> {
  const { confirm, limit } = options;
  if (via === outboxAccount) return;
  const plan = {
    via,
    from: campaign.definition.from,
    recipients: Math.min(recipients, limit ?? Infinity),
    of: recipients,
    limit,
    limits: account.limits,
  };
  await early.deliverabilityBeforeConfirm();
  if (confirm && !(await confirm(plan))) throw new StopError('cancelled; nothing was sent');
}

/** A real send after an outbox run starts afresh: the rehearsal is kept aside, counting for nothing. */
async function setRehearsalAside({ continuation, paths, options, via }: Prepared): Promise<void> {
  if (!continuation.fresh || !continuation.rehearsal) return;
  const kept = await setStateAside(paths, 'rehearsal');
  options.warn(
    `the outbox run of this campaign was a rehearsal and counts for nothing: it is kept in ${kept} ` +
      `(\`mailshot report FILE --state ${kept}\`); this run through "${via}" starts afresh`,
  );
}

/** Reads the state again under the lock (another run may have started it meanwhile), or writes a first send's. */
async function startState(prepared: Prepared, firstSend: FirstSend | undefined, opened: Closers): Promise<Started | RunResult> {
  const { paths, options } = prepared;
  const found = await readState(paths);
  await refuseMismatch(paths, found, options.campaignFile);
  if (found && found.via !== prepared.via)
    throw new LaterError(`another run started this campaign through "${found.via}" meanwhile; nothing was sent`);
  if (found?.status === 'done' && !prepared.pending) return nothingLeft(prepared, found);
  const journal = await Journal.open(paths.journal, options.warn);
  opened.add(() => journal.close());
  if (found) {
    found.campaignFile = realPath(prepared.campaign.definition.file);
    return { state: found, journal };
  }
  if (!firstSend) throw new LaterError(`the state in ${paths.dir} was removed while this run started; nothing was sent`);
  // state.json first: a journal without one is refused as damaged.
  const state = newState(prepared, firstSend);
  await saveState(paths, state, journal);
  await writeOwnerOnly(listAtStart(paths), firstSend.list.toBuffer());
  await Promise.all(firstSend.rejected.map((event) => journal.append(event)));
  if (state.status === 'scheduled') return { ...notYet(state, paths), idle: false };
  return { state, journal };
}

/** A done campaign with no row added: says so, as a run that had nothing to send. */
function nothingLeft({ paths, campaign, options }: Prepared, state: CampaignState): RunResult {
  const result = alreadyComplete(paths);
  const { recipients } = state;
  const name = campaign.definition.name;
  options.onEvent({ type: 'start', campaign: name, via: state.via, recipients, alreadyDone: recipients, toSend: 0 });
  options.onEvent({ type: 'end', status: 'done', reason: result.reason });
  return result;
}

function newState({ options, campaign, via }: Prepared, firstSend: FirstSend): CampaignState {
  const { at, spreadMs } = options;
  const now = new Date();
  const startsAt = at ?? now;
  return {
    version: 1,
    campaignId: randomUUID(),
    campaignFile: realPath(campaign.definition.file),
    via,
    status: at ? 'scheduled' : 'running',
    recipients: firstSend.recipients,
    started: { ...startedAs(campaign.definition), list: firstSend.pass.fingerprint },
    pausedUntil: at?.toISOString(),
    scheduledAt: at?.toISOString(),
    spreadUntil: spreadMs ? new Date(startsAt.getTime() + spreadMs).toISOString() : undefined,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

/** What the journal says is done, the suppression list, and the run's composer and pacer: the run, ready to dispatch. */
async function readyToDispatch(prepared: Prepared, started: Started, account: SendingAccount, firstSend: FirstSend | undefined) {
  const { options, paths, campaign, existing } = prepared;
  const { state, journal } = started;
  const journalIds = new Set<string>();
  const onRun = (event: { campaign?: string }) => void (event.campaign && journalIds.add(event.campaign));
  const progress = await loadProgress(paths, campaign, state.campaignId, options.warn, onRun);
  refuseShorter(paths, state, journal.size, options.campaignFile);
  refuseOtherCampaign(paths, state, journalIds, options.campaignFile);
  const suppressed = await suppressionFor(prepared.via, campaign.definition, state, paths);
  const { cc, bcc } = campaign.definition;
  const withCopies = existing && (cc?.length || bcc?.length);
  const copiesAccepted = withCopies ? await copiesAcceptedIn(paths.journal, options.warn) : new Map<string, string[]>();
  const alreadyDone = progress.prefixKeys.size + [...progress.known.values()].filter(isSettled).length;
  const tracker = new ProgressTracker(progress, isSettled);
  if (existing) await warnOfChanges(prepared, state, alreadyDone);
  const composer = new MessageComposer(campaign.definition, state.campaignId, state.started?.from);
  const pacer = await pacerFor(prepared, started, account, alreadyDone);
  const run = new RunContext({ ...prepared, ...started, account, composer, pacer, tracker, copiesAccepted, firstPass: firstSend?.pass });
  return { run, progress, alreadyDone, suppressed };
}

/** Marks the campaign running and dispatches every due recipient; an interruption stops dispatching. */
async function dispatchDue(run: RunContext, progress: Progress, alreadyDone: number, suppressed: SuppressionList): Promise<Dispatched> {
  const { options, state, paths, journal } = run;
  const onAbort = () => run.end('paused', 'interrupted; in-flight messages were finished and recorded');
  options.signal.addEventListener('abort', onAbort);
  if (options.signal.aborted) onAbort();
  Object.assign(state, { status: 'running', reason: undefined, pausedUntil: undefined, via: run.via });
  await saveState(paths, state, journal);
  await journal.append({
    ev: 'run',
    at: Date.now(),
    what: 'start',
    via: run.via,
    name: run.campaign.definition.name,
    campaign: state.campaignId,
  });
  const dispatched = await dispatch(run, progress, alreadyDone, suppressed);
  options.signal.removeEventListener('abort', onAbort);
  return dispatched;
}

/** Settles how the run ended and writes it to the journal and state.json, and tells the view. */
async function recordResult(run: RunContext, dispatched: Dispatched): Promise<RunResult> {
  const { state, paths, options, journal } = run;
  const end = settle(run.ending, {
    ...dispatched,
    counts: run.counts,
    limit: options.limit,
    localTime: run.campaign.definition.deliver_at_local,
  });
  applyEnd(state, end);
  await journal.append({ ev: 'run', at: Date.now(), what: 'end', status: end.status }).catch(() => undefined);
  // After a failure such as a full disk state.json may not be writable either: the first error is the one to report.
  await saveState(paths, state, journal).catch((error: unknown) => {
    if (end.error === undefined) throw error;
  });
  await run.tracker.save(paths, run.campaign, state.campaignId);
  options.onEvent({ type: 'end', status: end.status, reason: end.reason, pausedUntil: state.pausedUntil });
  return { status: end.status, reason: end.reason, error: end.error, counts: run.counts, paths, until: state.pausedUntil };
}
