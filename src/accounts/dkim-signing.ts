import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { InputError, StopError } from '../errors.js';
import { deleteSecret, readSecret, storeSecret } from '../auth/secrets.js';
import { readRegularFile } from '../system/safe-file.js';
import type { DkimKey } from '../transports/dkim-sign.js';
import type { DkimSigning, SmtpAccount } from './account.js';
import { AccountRegistry } from './registry.js';

/** `--dkim-domain D --dkim-selector S --dkim-key-file F`, given together. */
export interface DkimFlags {
  dkimDomain?: string;
  dkimSelector?: string;
  dkimKeyFile?: string;
}

const flagNames = { dkimDomain: '--dkim-domain', dkimSelector: '--dkim-selector', dkimKeyFile: '--dkim-key-file' } as const;

export function hasDkimFlags(flags: DkimFlags): boolean {
  return Object.keys(flagNames).some((key) => flags[key as keyof DkimFlags] !== undefined);
}

/** The secret store's entry for an account's DKIM key: "#" is never in an account name, so it cannot clash. */
const secretName = (account: string) => `${account}#dkim`;

/** A DKIM key read and checked from the flags, not stored yet. */
export interface DkimKeyInput {
  domain: string;
  selector: string;
  pem: string;
  publicKey: string;
}

/** Checks the flags and reads the key file: bad input is refused before anything is saved. */
export async function readDkimFlags(flags: DkimFlags): Promise<DkimKeyInput> {
  const missing = Object.entries(flagNames).filter(([key]) => flags[key as keyof DkimFlags] === undefined);
  if (missing.length) throw new InputError(`DKIM signing needs ${missing.map(([, flag]) => flag).join(' and ')} as well`);
  const domain = flags.dkimDomain!.toLowerCase().replace(/\.$/, '');
  if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain))
    throw new InputError(`--dkim-domain "${flags.dkimDomain}": give the domain that signs, e.g. example.com`);
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/i.test(flags.dkimSelector!))
    throw new InputError(`--dkim-selector "${flags.dkimSelector}": a selector is letters, digits, "-", "_" and ".", e.g. mail2026`);
  const pem = await readKeyFile(flags.dkimKeyFile!);
  const publicKey = createPublicKey(privateKey(pem, flags.dkimKeyFile!)).export({ type: 'spki', format: 'pem' }).toString();
  return { domain, selector: flags.dkimSelector!, pem, publicKey };
}

/** Makes mailshot sign the SMTP account's mail: the key goes to the secret store, the record says where (and holds the public half). */
export async function saveDkimKey(name: string, key: DkimKeyInput, warn: (message: string) => void): Promise<DkimSigning> {
  const registry = await AccountRegistry.open();
  const account = registry.get(name);
  if (account.kind !== 'smtp')
    throw new InputError(`account "${name}" is a ${account.kind} account: its provider signs its mail; --dkim-* is for SMTP accounts`);
  if (account.dkim) await deleteSecret(secretName(name), account.dkim.secret);
  const dkim = {
    domain: key.domain,
    selector: key.selector,
    publicKey: key.publicKey,
    secret: await storeSecret(secretName(name), key.pem, warn),
  };
  registry.put({ ...account, dkim });
  return dkim;
}

async function readKeyFile(file: string): Promise<string> {
  try {
    return (await readRegularFile(file, { maxBytes: 64 * 1024, timeoutMs: 10_000 })).toString('utf8');
  } catch (error) {
    throw new InputError(`--dkim-key-file ${file}: ${(error as Error).message}`);
  }
}

function privateKey(pem: string, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new InputError(`--dkim-key-file ${file}: not a private key in PEM form (e.g. made by \`openssl genrsa -out dkim.pem 2048\`)`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType === 'rsa' ? (bits ?? 0) < 1024 : key.asymmetricKeyType !== 'ed25519')
    throw new InputError(`--dkim-key-file ${file}: use an RSA key of 2048 bits (at least 1024) or an Ed25519 key`);
  return key;
}

/** What the transport signs with, at send time; undefined when mailshot does not sign for this account. */
export async function dkimKeyOf(account: SmtpAccount): Promise<DkimKey | undefined> {
  if (!account.dkim) return undefined;
  const privateKey = await readSecret(secretName(account.name), account.dkim.secret);
  if (privateKey === undefined)
    throw new StopError(
      `the DKIM key of account "${account.name}" is missing from the secret store; set it again with \`mailshot accounts set ${account.name} --dkim-domain … --dkim-selector … --dkim-key-file …\``,
    );
  return { domainName: account.dkim.domain, keySelector: account.dkim.selector, privateKey };
}

/** `accounts remove`: the DKIM key goes with the account. */
export async function deleteDkimKey(account: SmtpAccount): Promise<void> {
  if (account.dkim) await deleteSecret(secretName(account.name), account.dkim.secret);
}
