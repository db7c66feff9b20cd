import { isIP } from 'node:net';
import type { Dns } from './dns.js';
import { fail, pass, type Finding } from './finding.js';
import { providerOf, serviceName, type SendingService } from './service.js';

/** An address no SPF record names (TEST-NET-1): evaluating for it walks the whole record, every look-up counted. */
const unlistedAddress = '192.0.2.1';
const isSpf = (text: string) => /^v=spf1(\s|$)/i.test(text);

export interface SpfCheck {
  finding: Finding;
  /** The service's mail passes SPF for the domain. */
  authorised: boolean;
}

/** SPF: one record, it evaluates within RFC 7208's 10 look-ups (mailauth), and it authorises the service that will send. */
export async function checkSpf(domain: string, service: SendingService, dns: Dns): Promise<SpfCheck> {
  const records = (await dns.txt(domain)).filter(isSpf);
  const mechanisms = await serviceMechanisms(service, dns);
  if (!records.length)
    return {
      authorised: false,
      finding: fail('spf', `${domain} has no SPF record`, `${domain} TXT "v=spf1 ${mechanisms.join(' ')} ~all"`),
    };
  if (records.length > 1)
    return {
      authorised: false,
      finding: fail(
        'spf',
        `${domain} has ${records.length} SPF records; receivers treat that as an error: merge them into one`,
        `${domain} TXT "${merged(records, mechanisms)}"`,
      ),
    };
  const evaluated = await evaluate(domain, unlistedAddress, dns);
  if (evaluated.status.result === 'permerror' || evaluated.status.result === 'temperror')
    return {
      authorised: false,
      finding: fail('spf', `${domain}'s SPF record does not evaluate (${evaluated.status.result}: ${evaluationError(evaluated)})`),
    };
  const lookups = `${evaluated.lookups?.count ?? '?'} of 10 DNS look-ups`;
  const authorised = await authorises(domain, service, dns);
  if (!authorised)
    return {
      authorised,
      finding: fail(
        'spf',
        `${domain}'s SPF record does not authorise ${serviceName(service)}`,
        `${domain} TXT "${merged(records, mechanisms)}"`,
      ),
    };
  return { authorised, finding: pass('spf', `one record, ${lookups}; it authorises ${serviceName(service)}`) };
}

type SpfResult = Awaited<ReturnType<typeof import('mailauth/lib/spf/index.js').spf>> & { lookups?: { count: number } };

async function evaluate(domain: string, ip: string, dns: Dns): Promise<SpfResult> {
  // a CommonJS module: its exports are the default export (all that its chunk in the bundle offers)
  const { spf } = (await import('mailauth/lib/spf/index.js')).default;
  return spf({ sender: `postmaster@${domain}`, ip, helo: domain, mta: 'mailshot', resolver: dns.lookup, maxResolveCount: 10 });
}

function evaluationError(result: SpfResult): string {
  const text = (result as { text?: string }).text ?? result.status.comment ?? 'unknown error';
  return text.replace(/^mailshot: /, '');
}

/** A known provider: its include is reached from the domain's record. A relay of one's own: each of its addresses passes. */
async function authorises(domain: string, service: SendingService, dns: Dns): Promise<boolean> {
  const provider = providerOf(service);
  if (provider) return includes(domain, provider.spfInclude, dns);
  const addresses = await dns.addresses(service.host ?? '');
  if (!addresses.length) return false;
  for (const address of addresses) if ((await evaluate(domain, address, dns)).status.result !== 'pass') return false;
  return true;
}

/** Whether `wanted` is reached through include: and redirect= from the domain's record (at most 10 records read). */
async function includes(domain: string, wanted: string, dns: Dns): Promise<boolean> {
  const queue = [domain.toLowerCase()];
  const seen = new Set<string>();
  while (queue.length && seen.size < 10) {
    const name = queue.shift()!;
    if (name === wanted) return true;
    if (seen.has(name)) continue;
    seen.add(name);
    const record = (await dns.txt(name)).find(isSpf) ?? '';
    for (const match of record.matchAll(/(?:^|\s)[+?~-]?(?:include:|redirect=)(\S+)/gi)) queue.push(match[1]!.toLowerCase());
  }
  return false;
}

async function serviceMechanisms(service: SendingService, dns: Dns): Promise<string[]> {
  const provider = providerOf(service);
  if (provider) return [`include:${provider.spfInclude}`];
  const addresses = await dns.addresses(service.host ?? '').catch(() => []);
  return addresses.length ? addresses.map((address) => `${isIP(address) === 6 ? 'ip6' : 'ip4'}:${address}`) : ['a:' + service.host];
}

/** One record holding what the present ones hold and the service's mechanisms, before the final "all". */
function merged(records: string[], mechanisms: string[]): string {
  const terms = records.flatMap((record) => record.split(/\s+/).slice(1)).filter((term) => !/^[+?~-]?all$/i.test(term));
  const all = records.map((record) => /\s([+?~-]?all)\s*$/i.exec(record)?.[1]).find(Boolean) ?? '~all';
  return ['v=spf1', ...new Set([...terms, ...mechanisms]), all].join(' ');
}
