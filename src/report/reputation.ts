import { percent } from './table.js';
import type { AfterDelivery } from './summary.js';

/** Above these, mailbox providers start to throttle or junk a sender (Gmail's bulk-sender guidance: spam under 0.3 %, aim for 0.1 %). */
export const hardBounceLimit = 0.02;
export const complaintLimit = 0.001;

/** Warnings for `campaign status` when the campaign's bounce or complaint rate puts the sender's reputation at risk. */
export function reputationWarnings(after: AfterDelivery): string[] {
  const warnings: string[] = [];
  if (after.bounce_rate > hardBounceLimit) {
    warnings.push(
      `hard-bounce rate ${percent(after.bounce_rate)} is above 2 %: clean the list (bounced addresses are suppressed already) before sending more`,
    );
  }
  if (after.complaint_rate > complaintLimit) {
    warnings.push(
      `complaint rate ${percent(after.complaint_rate)} is above 0.1 % (Gmail junks or refuses senders above 0.3 %): send only to people who asked for it, and make unsubscribing easy`,
    );
  }
  return warnings;
}
