import { domainOf, parseMailbox } from '../address.js';
import { checkDkim } from './dkim.js';
import { checkAlignment, checkDmarc } from './dmarc.js';
import type { Dns } from './dns.js';
import type { Finding } from './finding.js';
import { checkBulk, checkFreeMail, type CampaignSize } from './rules.js';
import type { SendingService } from './service.js';
import { checkSpf } from './spf.js';

export interface PreflightRequest {
  /** The campaign's From, as written ("Name <you@example.com>" or the address). */
  from: string;
  service: SendingService;
  dns: Dns;
  /** With the campaign's size, the bulk-sender rules are checked too (the quick check before `send` leaves them out). */
  size?: CampaignSize;
  unsubscribeUrl?: string;
}

export interface Preflight {
  domain: string;
  findings: Finding[];
  failed: number;
  warned: number;
}

/** Will it land: the From domain's SPF, DKIM and DMARC against the service that will send, from DNS. */
export async function preflight(request: PreflightRequest): Promise<Preflight> {
  const domain = domainOf(parseMailbox(request.from)?.address ?? request.from).toLowerCase();
  const freeMail = checkFreeMail(domain, request.service);
  // a free-mail domain's DNS is its provider's: only whether this service may send for it matters
  const findings = freeMail ? [freeMail] : await domainFindings(domain, request);
  return {
    domain,
    findings,
    failed: findings.filter((finding) => finding.status === 'fail').length,
    warned: findings.filter((finding) => finding.status === 'warn').length,
  };
}

async function domainFindings(domain: string, request: PreflightRequest): Promise<Finding[]> {
  const { service, dns } = request;
  const [spf, dkim, dmarc] = await Promise.all([checkSpf(domain, service, dns), checkDkim(domain, service, dns), checkDmarc(domain, dns)]);
  const findings = [spf.finding, dkim.finding, dmarc.finding, checkAlignment(domain, service, spf, dkim, dmarc)];
  if (request.size) findings.push(checkBulk(request.size, request.unsubscribeUrl, { spf, dkim, dmarc }));
  return findings;
}

/** The findings for a person: one line each, the record to add under it. */
export function preflightText(result: Preflight, via: string): string {
  const lines = [`Will it land? ${result.domain} through ${via}`];
  for (const finding of result.findings) {
    lines.push(`  ${finding.status.padEnd(4)}  ${finding.check.padEnd(9)} ${finding.why}`);
    if (finding.record) lines.push(`        ${''.padEnd(9)} add: ${finding.record}`);
  }
  const summary = result.failed
    ? `${result.failed} failing${result.warned ? `, ${result.warned} to look at` : ''}: fix the failing ones before a real send`
    : result.warned
      ? `nothing failing; ${result.warned} to look at`
      : 'all clear';
  return [...lines, summary].join('\n') + '\n';
}
