import { isRecipient } from '../campaign/recipients.js';
import { recipientsOf } from '../campaign/prepare.js';
import type { CampaignState } from '../store/state.js';
import { loadProgress } from './checkpoint.js';
import type { Prepared } from './run-context.js';
import { isSettled } from './dispatch.js';

/**
 * Recipients of the CSV a finished campaign has not handled: rows added since it finished. Read from the
 * checkpoint's settled prefix when it still holds, so a list that did not change costs next to nothing.
 */
export async function recipientsNotDone({ paths, campaign, options }: Prepared, state: CampaignState): Promise<number> {
  const { known, prefixKeys, start } = await loadProgress(paths, campaign, state.campaignId, options.warn);
  const settledKey = (key: string) => isSettled(known.get(key)) || prefixKeys.has(key);
  let count = 0;
  for await (const row of recipientsOf(campaign, settledKey, { start })) if (isRecipient(row)) count++;
  return count;
}
