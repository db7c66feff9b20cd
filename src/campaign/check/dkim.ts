import { createPublicKey } from 'node:crypto';
import { isAbsent, type Dns } from './dns.js';
import { fail, pass, warn, type Finding } from './finding.js';
import { providerOf, serviceName, type SendingService } from './service.js';

export interface DkimCheck {
  finding: Finding;
  /** The d= domain the service will sign with, when a usable key is published for it. */
  signingDomain?: string;
}

interface Published {
  name: string;
  publicKey: string;
  bits?: number;
}

/** DKIM: a key at the selector the service signs with, at least 1024 bits (2048 advised), the account's own key when mailshot signs. */
export async function checkDkim(domain: string, service: SendingService, dns: Dns): Promise<DkimCheck> {
  if (service.dkim) return checkOwnKey(service.dkim, dns);
  const selectors = providerOf(service)?.dkimSelectors ?? [];
  if (!selectors.length)
    return {
      finding: warn(
        'dkim',
        `mailshot does not sign for this account and ${serviceName(service)}'s selector is unknown: make sure the relay signs as ${domain}, or let mailshot sign (accounts set … --dkim-domain --dkim-selector --dkim-key-file)`,
      ),
    };
  const names = selectors.map((selector) => `${selector}._domainkey.${domain}`);
  const found = (await Promise.all(names.map((name) => publishedKey(name, dns)))).filter((key) => key !== undefined);
  if (!found.length)
    return {
      finding: fail(
        'dkim',
        `no DKIM key at ${names.join(' or ')}: ${serviceName(service)} signs with its own domain, which does not align with ${domain}`,
        `${names[0]} TXT "v=DKIM1; k=rsa; p=<the public key ${serviceName(service)} gives you when you turn DKIM on>"`,
      ),
    };
  return { finding: strength(found[0]!), signingDomain: domain };
}

async function checkOwnKey(dkim: NonNullable<SendingService['dkim']>, dns: Dns): Promise<DkimCheck> {
  const name = `${dkim.selector}._domainkey.${dkim.domain}`;
  const record = `${name} TXT "v=DKIM1; k=rsa; p=${spki(dkim.publicKey).toString('base64')}"`;
  const published = await publishedKey(name, dns);
  if (!published) return { finding: fail('dkim', `mailshot signs with selector "${dkim.selector}", but ${name} has no DKIM key`, record) };
  if (!spki(published.publicKey).equals(spki(dkim.publicKey)))
    return {
      finding: fail('dkim', `the key published at ${name} is not the account's key: receivers will see dkim=fail`, record),
    };
  return { finding: strength(published), signingDomain: dkim.domain };
}

function strength(key: Published): Finding {
  if (key.bits !== undefined && key.bits < 1024)
    return fail('dkim', `the key at ${key.name} has ${key.bits} bits: receivers ignore keys under 1024 bits; publish a 2048-bit key`);
  if (key.bits !== undefined && key.bits < 2048)
    return warn('dkim', `the key at ${key.name} has ${key.bits} bits: it works, but 2048 bits are advised`);
  return pass('dkim', `a ${key.bits ?? 'ed25519'}${key.bits ? '-bit' : ''} key at ${key.name}`);
}

/** The key at `name` as mailauth reads it; undefined when nothing (or no usable key) is published there. */
async function publishedKey(name: string, dns: Dns): Promise<Published | undefined> {
  // a CommonJS module: its exports are the default export (all that its chunk in the bundle offers)
  const { getPublicKey } = (await import('mailauth/lib/tools.js')).default;
  try {
    const key = await getPublicKey('DKIM', name, 1, dns.lookup);
    return { name, publicKey: key.publicKey, bits: key.modulusLength };
  } catch (error) {
    if (isAbsent(error) || /^E(INVALID|SHORTKEY)/.test((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
}

function spki(pem: string): Buffer {
  return createPublicKey(pem).export({ type: 'spki', format: 'der' });
}
