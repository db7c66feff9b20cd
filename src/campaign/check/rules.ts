import type { DkimCheck } from './dkim.js';
import type { DmarcCheck } from './dmarc.js';
import { fail, pass, type Finding } from './finding.js';
import { freeMailProvider, providerOf, serviceName, type SendingService } from './service.js';
import type { SpfCheck } from './spf.js';

/** Gmail's and Yahoo's rules (2024) for senders of 5,000 or more a day to their users. */
export const bulkThreshold = 5000;
const bigMailboxes = /^(gmail\.com|googlemail\.com|yahoo\.[a-z.]+|ymail\.com|rocketmail\.com|aol\.com)$/i;

export function isBigMailbox(domain: string): boolean {
  return bigMailboxes.test(domain);
}

export interface CampaignSize {
  recipients: number;
  /** Recipients at Gmail and Yahoo addresses. */
  bigMailbox: number;
}

/** The bulk-sender rules, when the campaign is large enough to fall under them. */
export function checkBulk(
  size: CampaignSize,
  unsubscribeUrl: string | undefined,
  checks: { spf: SpfCheck; dkim: DkimCheck; dmarc: DmarcCheck },
): Finding {
  const share = `${size.bigMailbox} of ${size.recipients} recipients at Gmail or Yahoo`;
  if (size.bigMailbox < bulkThreshold)
    return pass('bulk', `${share}: under the ${bulkThreshold.toLocaleString('en')} a day that make a bulk sender`);
  const missing = [
    checks.spf.finding.status !== 'pass' && 'SPF that passes',
    !checks.dkim.signingDomain && 'DKIM that passes',
    !checks.dmarc.policy && 'a DMARC record',
    !/^https:\/\//i.test(unsubscribeUrl ?? '') && 'one-click unsubscribe (list_unsubscribe.url with an https:// URL)',
  ].filter((item): item is string => Boolean(item));
  if (missing.length) return fail('bulk', `${share} make this a bulk send, which also needs ${missing.join(', ')}`);
  return pass('bulk', `${share}: a bulk send, and SPF, DKIM, DMARC and one-click unsubscribe are in place`);
}

/** A From on a free-mail domain passes DMARC only through that provider (gmail.com through Gmail …). */
export function checkFreeMail(domain: string, service: SendingService): Finding | undefined {
  const host = freeMailProvider(domain);
  if (!host) return undefined;
  if (providerOf(service) === host) return pass('free-mail', `From @${domain} sent through ${host.name}: its own DNS covers it`);
  return fail(
    'free-mail',
    `From @${domain} sent through ${serviceName(service)}: ${domain}'s DMARC policy makes receivers spam or reject it; send From an address on your own domain, or through a ${host.name} account of that address`,
  );
}
