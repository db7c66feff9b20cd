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
import { openAccount as open, outboxAccount } from '../accounts/open-account.js';
import { systemClock } from '../throttle/clock.js';
import { LearnedCeiling } from '../throttle/learned-ceiling.js';
import { configDir } from '../auth/config-dir.js';
import { DeadlineError, signInDeadlineMs, withDeadline } from '../system/deadline.js';
import type { LimitChange } from '../throttle/adaptive.js';
import { formatRate } from '../throttle/rate.js';
import { asDeliveryError } from './attempt.js';
import { loadProgress, ProgressTracker } from './checkpoint.js';
import { RunContext, type RunOptions } from './run-context.js';
import { continuationOf, realPath } from './identity.js';
import { dispatch, isSettled } from './dispatch.js';
import { alreadyComplete, applyEnd, notYet, settle, type RunResult } from './outcome.js';
import { Pacer, spreadLimits } from './pacing.js';
import { suppressionFor } from './suppression.js';
import { recipientsNotDone } from './new-rows.js';
import { startedAs, warnOfChanges } from './started-as.js';
import { copiesAcceptedIn } from './copies-accepted.js';
import { ListDigest } from '../campaign/list-digest.js';
import { FirstPass } from './first-pass.js';
import { listAtStart } from '../report/list-changes.js';
import { writeOwnerOnly } from '../system/owner-only.js';

export type { InDoubtPolicy, RunEvent, RunOptions, SendPlan } from './run-context.js';
export type { RunResult } from './outcome.js';
export type { Outcome, RunStatus } from '../status.js';

/** A step of the run: fills in its part of the RunContext, or ends the run early with a result (nothing to do now). */
type Step = (run: RunContext) => Promise<RunResult | void>;

/**
 * The send loop, the only place where campaign, transport and store meet, as a list of steps over one
 * RunContext. The account is opened and signed in to before the campaign's state is written, and a first send
 * checks every row before it writes anything: a wrong name, password or CSV leaves no state behind.
 */
const steps: Step[] = [load, openAccount, scanFirstSend, confirmFirstSend, setRehearsalAside, takeLock, signIn, startState, dispatchDue];

export async function runCampaign(options: RunOptions): Promise<RunResult> {
  const run = new RunContext(options);
  try {
    for (const step of steps) {
      const early = await step(run);
      if (early) return early;
    }
    return await recordResult(run);
  } finally {
    await run.close();
  }
}

/** The campaign and its state; a result instead when there is nothing to do now. */
async function load(run: RunContext): Promise<RunResult | void> {
  const { options } = run;
  run.campaign = await prepareCampaign(options.campaignFile);
  run.campaign.layout.warnings.forEach(options.warn);
  const paths = (run.paths = statePaths(run.campaign.definition.file, options.stateDir));
  const found = await readState(paths);
  await refuseMismatch(paths, found, options.campaignFile);
  if (!found && options.resume) {
    throw new InputError(`${options.campaignFile} has not been started (no state in ${paths.dir}); use \`mailshot campaign send\``);
  }
  run.continuation = continuationOf(found, run.campaign.definition.file, options.via ?? run.campaign.definition.via, paths);
  if (options.resume && run.continuation.fresh) {
    throw new InputError(
      `${options.campaignFile} was never started through "${run.continuation.via}" (only rehearsed in the outbox); use \`mailshot campaign send\``,
    );
  }
  const existing = (run.existing = run.continuation.fresh ? undefined : found);
  if (existing?.status === 'done') {
    run.pending = await recipientsNotDone(run, existing);
    if (!run.pending) return nothingLeft(run, existing);
    options.warn(`${run.pending} recipient(s) added to ${run.campaign.definition.recipients} since this campaign was done; sending them`);
  }
  if (existing && (options.at || options.spreadMs)) {
    throw new InputError(
      `${options.campaignFile} was started already; --at and --spread apply when a campaign starts (\`mailshot campaign reset\` starts it over)`,
    );
  }
  if (existing?.pausedUntil && Date.parse(existing.pausedUntil) > Date.now()) return notYet(existing, paths);
  run.via = run.continuation.via;
}

async function openAccount(run: RunContext): Promise<void> {
  run.account = await open(run.via, run.paths.outbox, run.options.limits);
}

/** A first send reads every row before anything is written; the rows it rejects are journaled as skipped. */
async function scanFirstSend(run: RunContext): Promise<void> {
  if (run.existing) return;
  const rejected: JournalEvent[] = [];
  const list = new ListDigest();
  const pass = new FirstPass();
  const scan = await scanRecipients(run.campaign, {
    onRejected: (row) => {
      pass.keep(row);
      rejected.push({ ev: 'skipped', at: Date.now(), reason: row.reason, line: row.line, value: row.value });
    },
    onRecipient: (recipient) => {
      pass.keep(recipient);
      list.add(recipient);
    },
    reading: pass.reading,
    sizeLimit: run.sending.sizeLimit,
  });
  run.firstSend = { rejected, recipients: scan.recipients, list, pass };
}

/** A first real send checks the From domain's DNS, then, on a terminal, says what it is about to do and asks; the outbox never asks. */
async function confirmFirstSend(run: RunContext): Promise<void> {
  const { confirm, preflight, limit } = run.options;
  if (!run.firstSend || run.via === outboxAccount) return;
  const { recipients } = run.firstSend;
  const plan = {
    via: run.via,
    from: run.campaign.definition.from,
    recipients: Math.min(recipients, limit ?? Infinity),
    of: recipients,
    limit,
    limits: run.sending.limits,
  };
  await preflight?.(plan);
  if (confirm && !(await confirm(plan))) throw new StopError('cancelled; nothing was sent');
}

/** A real send after an outbox run starts afresh: the rehearsal is kept aside, counting for nothing. */
async function setRehearsalAside(run: RunContext): Promise<void> {
  if (!run.continuation.fresh || !run.continuation.rehearsal) return;
  const kept = await setStateAside(run.paths, 'rehearsal');
  run.options.warn(
    `the outbox run of this campaign was a rehearsal and counts for nothing: it is kept in ${kept} ` +
      `(\`mailshot report FILE --state ${kept}\`); this run through "${run.via}" starts afresh`,
  );
}

async function takeLock(run: RunContext): Promise<void> {
  await ensureStateDir(run.paths);
  run.releaseLock = await acquireLock(run.paths.lock);
}

/**
 * Connects and signs in before the first message, so a wrong password or host stops the run before it starts.
 * It holds the lock meanwhile, so it has a deadline, and Ctrl-C or SIGTERM ends it at once.
 */
async function signIn(run: RunContext): Promise<void> {
  const { signal } = run.options;
  try {
    await withDeadline(signInDeadlineMs(), signal, (stop) => run.sending.transport.verify(stop));
  } catch (error) {
    const later = `nothing was sent. Run \`mailshot campaign resume\` later`;
    if (signal.aborted) throw new LaterError(`interrupted while signing in to account "${run.via}"; ${later}`);
    if (error instanceof DeadlineError) throw new LaterError(`account "${run.via}": signing in ${error.message}; ${later}`);
    const failure = asDeliveryError(error);
    const message = `account "${run.via}": ${failure.message}`;
    if (failure.kind === 'auth' || failure.kind === 'config') throw new StopError(message);
    throw new LaterError(`${message}; ${later}`);
  }
}

/** Reads the state again under the lock (another run may have started it meanwhile), or writes a first send's. */
async function startState(run: RunContext): Promise<RunResult | void> {
  const { paths, options } = run;
  const state = await readState(paths);
  await refuseMismatch(paths, state, options.campaignFile);
  if (state && state.via !== run.via)
    throw new LaterError(`another run started this campaign through "${state.via}" meanwhile; nothing was sent`);
  if (state?.status === 'done' && !run.pending) return nothingLeft(run, state);
  run.journal = await Journal.open(paths.journal, options.warn);
  if (state) {
    run.state = state;
    state.campaignFile = realPath(run.campaign.definition.file);
    return;
  }
  // The snapshot first: a journal without one is refused as damaged.
  run.state = newState(run, run.firstSend!.recipients);
  await saveState(paths, run.state, run.journal);
  await writeOwnerOnly(listAtStart(paths), run.firstSend!.list.toBuffer());
  await Promise.all(run.firstSend!.rejected.map((event) => run.journal!.append(event)));
  if (run.state.status === 'scheduled') return { ...notYet(run.state, paths), idle: false };
}

/** A done campaign with no row added: says so, as a run that had nothing to send. */
function nothingLeft(run: RunContext, state: CampaignState): RunResult {
  const result = alreadyComplete(run.paths);
  const { recipients } = state;
  const name = run.campaign.definition.name;
  run.options.onEvent({ type: 'start', campaign: name, via: state.via, recipients, alreadyDone: recipients, toSend: 0 });
  run.options.onEvent({ type: 'end', status: 'done', reason: result.reason });
  return result;
}

function newState(run: RunContext, recipients: number): CampaignState {
  const { at, spreadMs } = run.options;
  const now = new Date();
  const startsAt = at ?? now;
  return {
    version: 1,
    campaignId: randomUUID(),
    campaignFile: realPath(run.campaign.definition.file),
    via: run.via,
    status: at ? 'scheduled' : 'running',
    recipients,
    started: { ...startedAs(run.campaign.definition), list: run.firstSend!.pass.fingerprint },
    pausedUntil: at?.toISOString(),
    scheduledAt: at?.toISOString(),
    spreadUntil: spreadMs ? new Date(startsAt.getTime() + spreadMs).toISOString() : undefined,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

/** Marks the campaign running and dispatches every due recipient; an interruption stops dispatching. */
async function dispatchDue(run: RunContext): Promise<void> {
  const { options, state, paths } = run;
  const journalIds = new Set<string>();
  const onRun = (event: { campaign?: string }) => void (event.campaign && journalIds.add(event.campaign));
  const progress = await loadProgress(paths, run.campaign, state.campaignId, options.warn, onRun);
  refuseShorter(paths, state, run.journal!.size, options.campaignFile);
  refuseOtherCampaign(paths, state, journalIds, options.campaignFile);
  const suppressed = await suppressionFor(run.via, run.campaign.definition, state, paths);
  const { cc, bcc } = run.campaign.definition;
  if (run.existing && (cc?.length || bcc?.length)) run.copiesAccepted = await copiesAcceptedIn(paths.journal, options.warn);
  const alreadyDone = progress.prefixKeys.size + [...progress.known.values()].filter(isSettled).length;
  run.tracker = new ProgressTracker(progress, isSettled);
  if (run.existing) await warnOfChanges(run, alreadyDone);
  run.composer = new MessageComposer(run.campaign.definition, state.campaignId, state.started?.from);
  run.pacer = await pacerFor(run, alreadyDone);
  const onAbort = () => run.end('paused', 'interrupted; in-flight messages were finished and recorded');
  options.signal.addEventListener('abort', onAbort);
  if (options.signal.aborted) onAbort();
  Object.assign(state, { status: 'running', reason: undefined, pausedUntil: undefined, via: run.via });
  await saveState(paths, state, run.journal!);
  await run.journal!.append({
    ev: 'run',
    at: Date.now(),
    what: 'start',
    via: run.via,
    name: run.campaign.definition.name,
    campaign: state.campaignId,
  });
  run.dispatched = await dispatch(run, progress, alreadyDone, suppressed);
  options.signal.removeEventListener('abort', onAbort);
}

/**
 * The pacer, with --spread over the account's limits and below a concurrency the account's server refused
 * in an earlier run (unless this run was given --max-concurrent: a limit the person gives replaces it);
 * every change of limits is journaled and shown.
 */
async function pacerFor(run: RunContext, alreadyDone: number): Promise<Pacer> {
  const { limits, usage } = run.sending;
  const learned = run.via === outboxAccount ? undefined : await LearnedCeiling.load(configDir(), run.via);
  const learnedCap = run.options.limits.maxConcurrent === undefined ? learned?.concurrency : undefined;
  if (learnedCap !== undefined && learnedCap < limits.maxConcurrent) {
    run.options.warn(
      `account "${run.via}": starting at ${learnedCap} at once, not ${limits.maxConcurrent}: its server refused more connections ` +
        `(${learned!.learned!.why}); remembered until ${learned!.learned!.expiresAt}. A limit you give replaces it: ` +
        `\`mailshot accounts set ${run.via} --max-concurrent N\`, or \`--forget-learned\``,
    );
  }
  const onChange = (change: LimitChange) => {
    const event = {
      ev: 'limits',
      at: Date.now(),
      concurrency: change.to.concurrency,
      rate: change.to.rate && formatRate(change.to.rate),
      why: change.why,
    } as const;
    void run.journal!.append(event).catch(() => undefined);
    run.options.onEvent({ type: 'limits', concurrency: event.concurrency, rate: event.rate, why: event.why });
  };
  const shared = run.sending.shared;
  return new Pacer(spreadLimits(limits, run.state, alreadyDone), usage, systemClock, onChange, learned, learnedCap, shared);
}

/** Settles how the run ended and writes it to the journal and the snapshot, and tells the view. */
async function recordResult(run: RunContext): Promise<RunResult> {
  const { state, paths, options } = run;
  const end = settle(run.ending, {
    ...run.dispatched!,
    counts: run.counts,
    limit: options.limit,
    localTime: run.campaign.definition.deliver_at_local,
  });
  applyEnd(state, end);
  await run.journal!.append({ ev: 'run', at: Date.now(), what: 'end', status: end.status }).catch(() => undefined);
  // After a failure such as a full disk the snapshot may not be writable either: the first error is the one to report.
  await saveState(paths, state, run.journal!).catch((error: unknown) => {
    if (end.error === undefined) throw error;
  });
  await run.tracker?.save(paths, run.campaign, state.campaignId);
  options.onEvent({ type: 'end', status: end.status, reason: end.reason, pausedUntil: state.pausedUntil });
  return { status: end.status, reason: end.reason, error: end.error, counts: run.counts, paths, until: state.pausedUntil };
}
