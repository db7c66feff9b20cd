/** The deliverability matrix served by the test DNS server (test/servers/dns.ts): one domain per case. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Zone } from '../servers/dns.js';

export interface DkimKey {
  privateKey: KeyObject;
  /** PEM of the public half. */
  publicPem: string;
  /** The p= value of its DKIM record. */
  p: string;
}

export function dkimKey(bits: number): DkimKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    p: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

export const keys = { k512: dkimKey(512), k1024: dkimKey(1024), k2048: dkimKey(2048), other: dkimKey(2048) };

const txt = (data: string) => ({ type: 'TXT' as const, data });
const dkim = (key: DkimKey) => txt(`v=DKIM1; k=rsa; p=${key.p}`);

/** Eleven includes: evaluating the record needs more than RFC 7208's 10 look-ups. */
const overLimit = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`l${i}.spf.test`, [txt('v=spf1 -all')]]));

export const matrix: Zone = {
  // the providers' own records, as they publish them (trimmed)
  '_spf.google.com': [txt('v=spf1 include:_netblocks.google.com ~all')],
  '_netblocks.google.com': [txt('v=spf1 ip4:209.85.128.0/17 ip4:74.125.0.0/16 ~all')],
  'spf.protection.outlook.com': [txt('v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 -all')],
  'sendgrid.net': [txt('v=spf1 ip4:167.89.0.0/17 -all')],
  ...overLimit,
  // no SPF at all; a DMARC record that only monitors
  'nospf.test': [txt('google-site-verification=abc')],
  '_dmarc.nospf.test': [txt('v=DMARC1; p=none')],
  // SPF that names another server only
  'nosvc.test': [txt('v=spf1 ip4:198.51.100.1 -all')],
  // SPF over the look-up limit
  'toomany.test': [
    txt(
      `v=spf1 ${Object.keys(overLimit)
        .map((name) => `include:${name}`)
        .join(' ')} -all`,
    ),
  ],
  // a known provider's relay: its include, not the submission host's address
  'sg.test': [txt('v=spf1 include:sendgrid.net -all')],
  // two SPF records
  'twospf.test': [txt('v=spf1 include:_spf.google.com ~all'), txt('v=spf1 ip4:127.0.0.1 -all')],
  // Google done right: SPF, a 2048-bit key (its record is longer than 255 bytes), DMARC reject
  'good.test': [txt('v=spf1 include:_spf.google.com ip4:127.0.0.1 -all')],
  'google._domainkey.good.test': [dkim(keys.k2048)],
  '_dmarc.good.test': [txt('v=DMARC1; p=reject; rua=mailto:d@good.test')],
  // Google with a 1024-bit key and DMARC quarantine
  'weak.test': [txt('v=spf1 include:_spf.google.com ~all')],
  'google._domainkey.weak.test': [dkim(keys.k1024)],
  '_dmarc.weak.test': [txt('v=DMARC1; p=quarantine')],
  // a 512-bit key: refused by receivers
  'tiny.test': [txt('v=spf1 include:_spf.google.com ~all')],
  'google._domainkey.tiny.test': [dkim(keys.k512)],
  // Google's SPF but no DKIM key, DMARC reject: nothing aligns for a mailbox on another domain
  'nodkim.test': [txt('v=spf1 include:_spf.google.com ~all')],
  '_dmarc.nodkim.test': [txt('v=DMARC1; p=reject')],
  // Microsoft 365: selector1 is a CNAME to the tenant's key
  'ms.test': [txt('v=spf1 include:spf.protection.outlook.com -all')],
  'selector1._domainkey.ms.test': [{ type: 'CNAME', data: 'selector1-ms-test._domainkey.contoso.onmicrosoft.com' }],
  'selector1-ms-test._domainkey.contoso.onmicrosoft.com': [dkim(keys.k2048)],
  '_dmarc.ms.test': [txt('v=DMARC1; p=quarantine')],
  // a relay of one's own at 127.0.0.1 with mailshot's key at selector "mail", DMARC strict
  'own.test': [txt('v=spf1 a:relay.own.test -all')],
  'relay.own.test': [{ type: 'A', data: '127.0.0.1' }],
  'mail._domainkey.own.test': [dkim(keys.k2048)],
  'wrong._domainkey.own.test': [dkim(keys.other)],
  '_dmarc.own.test': [txt('v=DMARC1; p=reject; adkim=s; aspf=s')],
};
