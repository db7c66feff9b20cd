import { fieldBlocks, typedValue } from './fields.js';
import type { MailParts } from './mime.js';

/** What a bounce says about one recipient. */
export interface Delivery {
  /** The recipient the report names (Final-Recipient, X-Failed-Recipients, qmail's `<addr>:`), lower case. */
  address?: string;
  /** RFC 3463 enhanced status, e.g. 5.1.1. */
  status: string;
  /** 5.x.x and not merely delayed: the address does not take mail. */
  hard: boolean;
  action: string;
  diagnostic?: string;
}

/** RFC 3464: the per-recipient blocks of message/delivery-status that failed or were delayed. */
export function reportedDeliveries(deliveryStatus: string): { deliveries: Delivery[]; delivered: number } {
  const deliveries: Delivery[] = [];
  let delivered = 0;
  for (const block of fieldBlocks(deliveryStatus)) {
    const address = typedValue(block.get('final-recipient') ?? block.get('original-recipient'))?.toLowerCase();
    const action = block.get('action')?.toLowerCase();
    const status = block.get('status')?.match(/^[245]\.\d{1,3}\.\d{1,3}/)?.[0];
    if (!address || !action || !status) continue;
    if (action !== 'failed' && action !== 'delayed') {
      delivered++;
      continue;
    }
    deliveries.push({
      address,
      action,
      status,
      hard: status.startsWith('5') && action === 'failed',
      diagnostic: typedValue(block.get('diagnostic-code')),
    });
  }
  return { deliveries, delivered };
}

const bounceSubjects =
  /^(undeliverable|undelivered mail|mail delivery failed|failure notice|delivery status notification \(failure\)|returned mail|delivery failure|mail system error|non[- ]?delivery)/i;
const bounceSenders = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@/i;

/** The older, plain-text forms (Exim, qmail, NDRs without a delivery-status part): only from a mail system. */
export function looksLikeBounce(parts: MailParts): boolean {
  return parts.headers.has('x-failed-recipients') || bounceSenders.test(parts.from ?? '') || bounceSubjects.test(parts.subject.trim());
}

/**
 * Recipients and codes of a plain-text bounce: X-Failed-Recipients (Exim), `<addr>:` paragraphs
 * (qmail), each with the first status code that follows its address in the text.
 */
export function plainTextDeliveries(parts: MailParts): Delivery[] {
  const text = parts.text;
  const qmail = /^Hi\. This is the qmail-send program/m.test(text)
    ? [...text.matchAll(/^<([^<>\s]+@[^<>\s]+)>:\s*$/gm)].map((match) => match[1])
    : [];
  const failed = (parts.headers.get('x-failed-recipients') ?? '').split(/[\s,]+/).filter((address) => address.includes('@'));
  const addresses = [...new Set([...failed, ...qmail].map((address) => address.toLowerCase()))];
  const deliveries: Delivery[] = [];
  for (const address of addresses) {
    const at = text.toLowerCase().indexOf(address);
    const window = at >= 0 ? text.slice(at, at + 600).split(/^-{3,}|^-+ This is a copy/m)[0] : text;
    const status = statusIn(window) ?? statusIn(text);
    if (!status) continue;
    const diagnostic =
      window.match(/\b[45]\d\d[ -].*/)?.[0]?.trim() ?? window.split('\n').slice(1).join(' ').replace(/\s+/g, ' ').trim().slice(0, 300);
    deliveries.push({
      address,
      action: status.startsWith('4') ? 'delayed' : 'failed',
      status,
      hard: status.startsWith('5'),
      diagnostic: diagnostic || undefined,
    });
  }
  return deliveries;
}

/** An enhanced status code, else a basic reply code's class (550 → 5.0.0), else what the text says of itself. */
function statusIn(text: string): string | undefined {
  const enhanced = text.match(/\b([45])\.(\d{1,3})\.(\d{1,3})\b/);
  if (enhanced) return enhanced[0];
  const basic = text.match(/\b([45])\d\d[ -]/);
  if (basic) return `${basic[1]}.0.0`;
  if (/permanent error|permanently|I've given up/i.test(text)) return '5.0.0';
  return undefined;
}
