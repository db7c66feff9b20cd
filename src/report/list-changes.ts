import path from 'node:path';
import { currentFingerprint, sameFingerprint } from '../campaign/csv-fingerprint.js';
import { digestOfList, type ListChanges } from '../campaign/list-digest.js';
import { loadCampaignList, type CampaignList } from '../campaign/campaign-list.js';
import { readPrivate } from '../system/owner-only.js';
import { readState, statePaths, type CampaignState, type StatePaths } from '../store/state.js';

/** The list's digest when the campaign started (campaign/list-digest.ts), written at its first send. */
export const listAtStart = (paths: StatePaths) => path.join(paths.dir, 'list-at-start.bin');

/**
 * How the CSV differs from the list the campaign started with; undefined when it is the same file, or the
 * campaign started before mailshot kept the list's digest. The list is read only when the file changed.
 */
export async function listChangesSinceStart(
  paths: StatePaths,
  state: CampaignState,
  campaign: CampaignList,
): Promise<ListChanges | undefined> {
  const atStart = state.started?.list;
  if (!atStart || sameFingerprint(currentFingerprint(campaign.definition.recipientsFile), atStart)) return undefined;
  const before = await readPrivate(listAtStart(paths));
  return before && (await digestOfList(campaign)).changesSince(before);
}

/**
 * For `status`: the same, from the campaign file (its templates are not compiled: the list alone is compared);
 * undefined when the campaign or its list cannot be read now.
 */
export async function listChangesOf(campaignFile: string, stateDir?: string): Promise<ListChanges | undefined> {
  try {
    const campaign = await loadCampaignList(campaignFile);
    const paths = statePaths(campaign.definition.file, stateDir);
    const state = await readState(paths);
    return state && (await listChangesSinceStart(paths, state, campaign));
  } catch {
    return undefined; // status still tells what the journal says
  }
}
