/** The words for where a campaign, a run and a recipient stand: one module for store, delivery, report, system and commands. */

/** How a run ended. */
export type RunStatus = 'done' | 'scheduled' | 'paused' | 'stopped';

/** Where a campaign stands (state.json): a run is under way, or how the last one ended. */
export type CampaignStatus = 'running' | RunStatus;

/** What happened to one recipient in a run. */
export type Outcome = 'sent' | 'failed' | 'deferred' | 'skipped';

export type Counts = Record<Outcome, number>;

/** Where a recipient stands across runs (the report): an outcome, not handed over yet, or handed over with no answer recorded. */
export type RecipientStatus = Outcome | 'pending' | 'in_doubt';

export function emptyCounts(): Counts {
  return { sent: 0, failed: 0, deferred: 0, skipped: 0 };
}
