import { parseMailbox } from '../campaign/address.js';
import type { CampaignDefinition } from '../campaign/definition.js';
import { indexCampaign } from '../bounces/campaign-index.js';
import type { CampaignState, StatePaths } from '../store/state.js';
import { outboxAccount } from '../accounts/open-account.js';
import { identityOfAccount } from '../suppress/identity.js';
import type { SuppressionList } from '../suppress/list.js';
import { suppressionListOf } from '../suppress/open.js';

/**
 * The suppression list this run honours (its account's sending identity), after recording the campaign
 * in that identity's index so that `bounces check` can match what comes back to it.
 */
export async function suppressionFor(
  via: string,
  definition: CampaignDefinition,
  state: CampaignState,
  paths: StatePaths,
): Promise<SuppressionList> {
  if (via !== outboxAccount) {
    await indexCampaign(await identityOfAccount(via), {
      campaignId: state.campaignId,
      campaignFile: definition.file,
      stateDir: paths.dir,
      from: parseMailbox(definition.from)!.address,
      unsubscribeMailto: mailtoAddress(definition.list_unsubscribe?.mailto),
    });
  }
  return suppressionListOf(via);
}

/** The address of a fixed list_unsubscribe.mailto ("mailto:" and "?subject=…" left out); none for a template. */
function mailtoAddress(mailto: string | undefined): string | undefined {
  if (!mailto || /\{\{|\{%/.test(mailto)) return undefined;
  return mailto
    .replace(/^mailto:/i, '')
    .replace(/\?.*$/, '')
    .trim()
    .toLowerCase();
}
