import { typedValue, fieldBlocks } from './fields.js';
import { looksLikeBounce, plainTextDeliveries, reportedDeliveries, type Delivery } from './dsn.js';
import type { MailParts } from './mime.js';

/** What one message in the sending mailbox is. */
export type MailReport =
  | { kind: 'bounce'; deliveries: Delivery[] }
  | { kind: 'complaint'; feedbackType: string; recipients: string[] }
  | { kind: 'unsubscribe'; address: string }
  | { kind: 'auto-reply' }
  | { kind: 'other' }
  | { kind: 'malformed'; why: string };

/**
 * Reports come first: real bounces carry `Auto-Submitted: auto-replied` too (RFC 3834 asks them to),
 * so a message is an auto-reply only when it is not a report.
 */
export function classify(parts: MailParts, unsubscribeAddresses: ReadonlySet<string>): MailReport {
  if (parts.reportType === 'feedback-report' || parts.feedbackReport) return complaintOf(parts);
  if (parts.deliveryStatus) {
    const { deliveries, delivered } = reportedDeliveries(parts.deliveryStatus);
    if (deliveries.length) return { kind: 'bounce', deliveries };
    if (delivered) return { kind: 'other' }; // a success notice (Action: delivered, relayed, expanded)
    return { kind: 'malformed', why: 'a delivery report naming no recipient with Final-Recipient, Action and Status' };
  }
  if (looksLikeBounce(parts)) {
    const deliveries = plainTextDeliveries(parts);
    if (deliveries.length) return { kind: 'bounce', deliveries };
    if (!isAutoReply(parts) || parts.reportType === 'delivery-status')
      return { kind: 'malformed', why: 'looks like a bounce but names no failed recipient with a status' };
  }
  if (parts.reportType === 'delivery-status')
    return { kind: 'malformed', why: 'a delivery report without its message/delivery-status part' };
  if (isAutoReply(parts)) return { kind: 'auto-reply' };
  if (parts.from && parts.to.some((address) => unsubscribeAddresses.has(address))) return { kind: 'unsubscribe', address: parts.from };
  return { kind: 'other' };
}

function complaintOf(parts: MailParts): MailReport {
  if (!parts.feedbackReport) return { kind: 'malformed', why: 'a feedback report without its message/feedback-report part' };
  const [fields] = fieldBlocks(parts.feedbackReport);
  const feedbackType = fields?.get('feedback-type')?.toLowerCase();
  if (!feedbackType) return { kind: 'malformed', why: 'a feedback report without Feedback-Type' };
  const recipient = typedValue(fields.get('original-rcpt-to'))?.toLowerCase();
  return { kind: 'complaint', feedbackType, recipients: recipient ? [recipient] : [] };
}

/** RFC 3834 and the headers auto-responders use instead; an out-of-office never suppresses anyone. */
function isAutoReply(parts: MailParts): boolean {
  const submitted = parts.headers.get('auto-submitted')?.toLowerCase();
  if (submitted && submitted !== 'no') return true;
  if (parts.headers.has('x-autoreply') || parts.headers.has('x-autorespond')) return true;
  if (/auto_reply|auto-reply/i.test(parts.headers.get('precedence') ?? '')) return true;
  return /^(auto(matic)? ?reply|out of (the )?office|abwesenheit|réponse automatique)/i.test(parts.subject.trim());
}
