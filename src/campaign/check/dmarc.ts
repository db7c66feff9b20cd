import { getDomain } from 'tldts';
import { domainOf } from '../address.js';
import type { Dns } from './dns.js';
import type { DkimCheck } from './dkim.js';
import { fail, pass, warn, type Finding } from './finding.js';
import type { SendingService } from './service.js';
import type { SpfCheck } from './spf.js';

export interface DmarcCheck {
  finding: Finding;
  policy?: string;
  strictDkim?: boolean;
  strictSpf?: boolean;
}

/** DMARC: a record at _dmarc.DOMAIN (or its organisational domain), and its policy. */
export async function checkDmarc(domain: string, dns: Dns): Promise<DmarcCheck> {
  const { default: getDmarcRecord } = await import('mailauth/lib/dmarc/get-dmarc-record.js');
  const record = await getDmarcRecord(domain, dns.lookup);
  if (!record)
    return {
      finding: warn(
        'dmarc',
        `no DMARC record at _dmarc.${domain}: Gmail and Yahoo require one from bulk senders, and receivers trust mail without one less`,
        `_dmarc.${domain} TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@${domain}"`,
      ),
    };
  const policy = (record.p ?? '').toLowerCase();
  const where = record.isOrgRecord ? ` (the organisational domain's record)` : '';
  const strict = { strictDkim: record.adkim?.toLowerCase() === 's', strictSpf: record.aspf?.toLowerCase() === 's' };
  if (!['none', 'quarantine', 'reject'].includes(policy))
    return {
      ...strict,
      finding: fail('dmarc', `the DMARC record${where} has no valid policy (p=none, quarantine or reject): "${record.rr}"`),
    };
  const meaning =
    policy === 'none'
      ? 'monitoring only: failing mail is still delivered, as receivers see fit'
      : `mail that fails DMARC is ${policy === 'reject' ? 'rejected' : 'sent to spam'}`;
  return { ...strict, policy, finding: pass('dmarc', `p=${policy}${where}: ${meaning}`) };
}

/**
 * DMARC alignment for this account: DKIM aligns when the service signs as the From domain; SPF aligns when the
 * envelope sender (the mailbox for Google and Microsoft, the From address through SMTP) is on the From domain
 * and SPF authorises the service. Relaxed alignment compares organisational domains.
 */
export function checkAlignment(domain: string, service: SendingService, spf: SpfCheck, dkim: DkimCheck, dmarc: DmarcCheck): Finding {
  const envelope = service.address ? domainOf(service.address).toLowerCase() : domain;
  const dkimAligned = dkim.signingDomain !== undefined && aligned(dkim.signingDomain, domain, dmarc.strictDkim);
  const spfAligned = spf.authorised && aligned(envelope, domain, dmarc.strictSpf);
  if (dkimAligned || spfAligned) {
    const how = [dkimAligned && `DKIM (d=${dkim.signingDomain})`, spfAligned && `SPF (envelope sender @${envelope})`].filter(Boolean);
    return pass('alignment', `${how.join(' and ')} ${how.length > 1 ? 'align' : 'aligns'} with the From domain ${domain}`);
  }
  const why = `neither DKIM nor SPF aligns with the From domain ${domain}${envelope !== domain ? ` (the envelope sender is @${envelope})` : ''}`;
  if (dmarc.policy === 'quarantine' || dmarc.policy === 'reject')
    return fail(
      'alignment',
      `${why}: with p=${dmarc.policy}, receivers will ${dmarc.policy === 'reject' ? 'reject' : 'spam'} this mail; publish the DKIM key above`,
    );
  return warn('alignment', `${why}: DMARC fails, and Gmail and Yahoo send such mail to spam; publish the DKIM key above`);
}

function aligned(a: string, b: string, strict = false): boolean {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  if (strict) return x === y;
  const options = { allowPrivateDomains: true };
  return (getDomain(x, options) ?? x) === (getDomain(y, options) ?? y);
}
