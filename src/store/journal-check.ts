import { stat } from 'node:fs/promises';
import { StopError } from '../errors.js';
import type { Journal } from './journal.js';
import { writeState, type CampaignState, type StatePaths } from './state.js';

/**
 * state.json and journal.jsonl must tell the same story: the snapshot records the campaign id (which the
 * journal's run events repeat) and how long the journal was when it was written. A mismatch is refused
 * before anything is sent: guessing would resend everyone (a missing journal) or give the in-doubt
 * recipients new Message-IDs (a missing state). The safe way on is `campaign repair`.
 */
export async function refuseMismatch(paths: StatePaths, state: CampaignState | undefined, campaignFile: string): Promise<void> {
  const size = await journalSize(paths);
  const repair = `\`mailshot campaign repair ${campaignFile}\``;
  if (!state && size) {
    throw new StopError(
      `${paths.state} is missing, but ${paths.journal} records a campaign already started; nothing was sent. ` +
        `Restore state.json from a backup, or run ${repair} to rebuild it from the journal (it keeps the campaign id, so a resent message keeps its Message-ID)`,
    );
  }
  if (state && size === undefined) {
    throw new StopError(
      `${paths.journal} is missing, but ${paths.state} says the campaign was started: without the journal nobody's outcome is known; nothing was sent. ` +
        `Restore the journal from a backup (${repair} would accept an empty journal and send to everyone again)`,
    );
  }
}

/** After the journal was read (a damaged line is reported first, by its number): it must be as long as the snapshot says. */
export function refuseShorter(paths: StatePaths, state: CampaignState, size: number, campaignFile: string): void {
  if (state.journalBytes === undefined || size >= state.journalBytes) return;
  throw new StopError(
    `${paths.journal} is shorter (${size} bytes) than when ${paths.state} was written (${state.journalBytes} bytes): it was cut, emptied or damaged, ` +
      `and the outcomes it lost are not known; nothing was sent. Restore the journal from a backup; ` +
      `\`mailshot campaign repair ${campaignFile}\` would accept it as it is (recipients recorded in the lost part would be sent again)`,
  );
}

/** The campaign ids the journal's run events name must be the snapshot's. */
export function refuseOtherCampaign(paths: StatePaths, state: CampaignState, journalIds: Set<string>, campaignFile: string): void {
  const others = [...journalIds].filter((id) => id !== state.campaignId);
  if (!others.length) return;
  throw new StopError(
    `${paths.journal} belongs to another campaign run (id ${others[0]}) than ${paths.state} (id ${state.campaignId}); nothing was sent. ` +
      `Put back the state.json that belongs to this journal, or run \`mailshot campaign repair ${campaignFile}\` to rebuild it from the journal`,
  );
}

/** refuseShorter for readers that have not opened the journal for writing (status, report). */
export async function refuseCut(paths: StatePaths, state: CampaignState, campaignFile: string): Promise<void> {
  refuseShorter(paths, state, (await journalSize(paths)) ?? 0, campaignFile);
}

/** Saves state.json with the journal's current length (a journal found shorter was cut). */
export function saveState(paths: StatePaths, state: CampaignState, journal: Journal): Promise<void> {
  state.journalBytes = journal.size;
  return writeState(paths, state);
}

async function journalSize(paths: StatePaths): Promise<number | undefined> {
  try {
    return (await stat(paths.journal)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StopError(`cannot read ${paths.journal}: ${(error as Error).message}`);
  }
}
