import { identityOfAccount } from './identity.js';
import { SuppressionList } from './list.js';

/** The suppression list a campaign sent through this account (or the outbox) honours. */
export async function suppressionListOf(via: string): Promise<SuppressionList> {
  return SuppressionList.open(await identityOfAccount(via));
}
