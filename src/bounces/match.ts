import { normaliseAddress } from '../campaign/address.js';
import { messageIdFor } from '../campaign/compose.js';
import type { IndexedCampaign } from './campaign-index.js';

/** A message mailshot sent: which campaign, to whom. */
export interface SentMessage {
  campaign: IndexedCampaign;
  recipient: string;
  messageId: string;
}

/**
 * The messages among `referencedIds` that mailshot sent to one of `addresses`. Message-IDs are
 * sha256(campaign id, recipient), so a pair matches only if that campaign really sent that message to
 * that recipient: nothing is guessed from an address alone.
 */
export function sentMessagesAmong(
  campaigns: readonly IndexedCampaign[],
  referencedIds: readonly string[],
  addresses: readonly string[],
): SentMessage[] {
  const wanted = new Set(referencedIds.map((id) => id.toLowerCase()));
  if (!wanted.size) return [];
  const found: SentMessage[] = [];
  const keys = [...new Set(addresses.map(normaliseAddress))];
  for (const campaign of campaigns) {
    for (const recipient of keys) {
      const messageId = messageIdFor(campaign.campaignId, recipient, campaign.from);
      if (wanted.has(messageId.toLowerCase())) found.push({ campaign, recipient, messageId });
    }
  }
  return found;
}
