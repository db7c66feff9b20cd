import { emptyCounts, type Counts, type RunStatus } from '../status.js';
import type { CampaignState, StatePaths } from '../store/state.js';

/** How a run ended. `error` is the first error that stopped it; the counts of what was done before stay valid. */
export interface RunEnd {
  status: RunStatus;
  /** One sentence for the person: what happened and what to do next. */
  reason: string;
  error?: unknown;
}

export interface RunResult extends RunEnd {
  counts: Counts;
  paths: StatePaths;
  /** Nothing was due or left to do: a command run from cron says nothing. */
  idle?: boolean;
  /** Paused or scheduled: nothing more is sent before this time. */
  until?: string;
}

/** "sent 3, failed 0, deferred 1, skipped 0" */
export function tallyText(counts: Counts): string {
  return `sent ${counts.sent}, failed ${counts.failed}, deferred ${counts.deferred}, skipped ${counts.skipped}${counts.in_doubt ? `, in doubt ${counts.in_doubt}` : ''}`;
}

export function alreadyComplete(paths: StatePaths): RunResult {
  return { status: 'done', reason: 'this campaign is already complete; nothing to send', counts: emptyCounts(), paths, idle: true };
}

/** A campaign whose next delivery is later: nothing is sent now. */
export function notYet(state: CampaignState, paths: StatePaths): RunResult {
  const status = state.status === 'scheduled' ? 'scheduled' : 'paused';
  const why = state.status === 'scheduled' ? 'scheduled' : `paused (${state.reason ?? 'quota'})`;
  return {
    status,
    reason: `${why}; nothing is sent before ${state.pausedUntil}. Run \`mailshot campaign resume\` then (see \`mailshot campaign cron\`)`,
    counts: emptyCounts(),
    paths,
    idle: true,
    until: state.pausedUntil,
  };
}

/** What the dispatch left behind, for deciding how the run ended. */
export interface Tally {
  counts: Counts;
  /** Recipients due in this run (handed over or not). */
  due: number;
  limit?: number;
  /** The earliest time a recipient not yet due becomes due (Infinity: none). */
  nextDue: number;
  /** The campaign's `deliver_at_local`, for the wording. */
  localTime?: string;
}

/**
 * The run's end: the first stop (an error, the quota, an interruption) if there was one, else what is
 * left — deferred recipients, the --limit, recipients due later — else done. `pausedUntil` is the
 * next due time when the rest is scheduled.
 */
export function settle(stop: RunEnd | undefined, tally: Tally): RunEnd & { nextDueAt?: string } {
  if (stop) return stop;
  const { counts } = tally;
  const left = tally.due - counts.sent - counts.failed - counts.in_doubt;
  if (counts.in_doubt > 0) {
    return {
      status: 'paused',
      reason: `${counts.in_doubt} recipient(s) in doubt: the connection was lost after the message was handed over; resume looks them up in Sent where the account can, else resends them with the same Message-ID (--in-doubt skip does not)`,
    };
  }
  if (counts.deferred > 0)
    return { status: 'paused', reason: `${counts.deferred} recipient(s) deferred after repeated temporary failures; run resume later` };
  if (left > 0) return { status: 'paused', reason: `stopped at --limit ${tally.limit}; ${left} recipient(s) left` };
  if (tally.nextDue < Infinity) {
    const nextDueAt = new Date(tally.nextDue).toISOString();
    return { status: 'scheduled', reason: `the next recipients are due at ${nextDueAt} (their local ${tally.localTime})`, nextDueAt };
  }
  return { status: 'done', reason: 'all recipients handled' };
}

/** The state after the run: its status, why, and until when nothing is sent. */
export function applyEnd(state: CampaignState, end: RunEnd & { nextDueAt?: string }): void {
  state.status = end.status;
  state.reason = end.status === 'done' ? undefined : end.reason;
  if (end.nextDueAt) state.pausedUntil = end.nextDueAt;
  if (end.status === 'done' || end.status === 'stopped') state.pausedUntil = undefined;
}
