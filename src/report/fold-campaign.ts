import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { RecipientStatus } from '../status.js';
import { readJournal, readJournalPlaced } from '../store/journal.js';
import { refuseCut, refuseMismatch } from '../store/journal-check.js';
import { readLockInfo } from '../store/lock.js';
import { readState, statePaths } from '../store/state.js';
import { JournalFold, type Summary } from './summary.js';

/**
 * Reads state.json and folds the journal: one outcome per recipient, in first-seen order. `only`: list
 * just the recipients with these statuses (the totals still count everyone) — `status` and
 * `report --failed` on a list of millions need not build an outcome for each.
 */
export async function summarise(
  campaignFile: string,
  stateDir: string | undefined,
  warn: (message: string) => void,
  only?: RecipientStatus | RecipientStatus[],
): Promise<Summary> {
  const { fold, summary } = await foldCampaign(campaignFile, stateDir, warn, only);
  summary.recipients = [...fold.outcomes(summary.listed)];
  return summary;
}

/**
 * summarise without its list of recipients: the fold that gives them (`outcomes`), and the journal they are
 * in. With `placed`, a listed recipient's last event is not kept but where its line is (readJournalPlaced).
 */
export async function foldCampaign(
  campaignFile: string,
  stateDir: string | undefined,
  warn: (message: string) => void,
  only?: RecipientStatus | RecipientStatus[],
  placed = false,
): Promise<{ fold: JournalFold; summary: Summary; journal: string }> {
  const paths = statePaths(campaignFile, stateDir);
  const state = await readState(paths);
  if (!state && !existsSync(campaignFile))
    throw new InputError(`${campaignFile}: no such file (check the campaign file's name and folder)`);
  await refuseMismatch(paths, state, campaignFile);
  if (!state)
    throw new InputError(
      `${campaignFile} has not been sent yet (no state in ${paths.dir}); run \`mailshot campaign send ${campaignFile}\``,
    );
  // `status` starts from its snapshot of the journal when there is one (src/report/status-snapshot.ts).
  const snapshots = only === 'in_doubt' ? await import('./status-snapshot.js') : undefined;
  const snapshot = await snapshots?.loadSnapshot(paths, state.campaignId);
  const fold = snapshot?.fold ?? new JournalFold();
  fold.listing = only === undefined ? undefined : [only].flat();
  const sizeBefore = (await stat(paths.journal).catch(() => undefined))?.size;
  let events = 0;
  if (placed)
    for await (const events of readJournalPlaced(paths.journal, warn)) for (const { event, place } of events) fold.add(event, place);
  else
    for await (const event of readJournal(paths.journal, warn, snapshot?.offset)) {
      fold.add(event);
      events++;
    }
  if (snapshots && events >= snapshots.worthSaving) await snapshots.saveSnapshot(paths, state.campaignId, fold, sizeBefore);
  await refuseCut(paths, state, campaignFile);
  const summary = fold.counts(campaignFile, state, fold.listing);
  const lockInfo = await readLockInfo(paths.lock);
  if (lockInfo) {
    const { owner, ageMs, liveness } = lockInfo;
    summary.lock = { pid: owner.pid, host: owner.host, since: owner.since, age_seconds: Math.round(ageMs / 1000), owner: liveness };
  }
  if (state.status === 'running' && lockInfo?.liveness !== 'alive' && lockInfo?.liveness !== 'elsewhere') {
    Object.assign(summary, {
      status: 'interrupted',
      reason: 'the sending process is gone (stopped hard or crashed); run `mailshot campaign resume` to continue',
    });
  }
  return { fold, summary, journal: paths.journal };
}
