import { existsSync } from 'node:fs';
import path from 'node:path';
import { StopError } from '../errors.js';
import { readOwnerOnly, removeLeftoverCopies, writeOwnerOnly } from '../system/owner-only.js';
import { configDir } from './config-dir.js';

const service = 'mailshot';

/**
 * Where an account's secret lives; the secret itself is never in the account registry. `pending`: being
 * stored (an interrupted `accounts add` leaves it so); it may be in the keychain or the file (save-account.ts).
 */
export type SecretLocation = 'keychain' | 'file' | 'env' | 'none' | 'pending';

/**
 * Secrets (passwords, refresh tokens) go to the OS keychain; where none is reachable (a headless
 * server, cron, CI) to `secrets.json` in the config folder, mode 0600, with a warning when it is created.
 * MAILSHOT_SECRET_STORE=keychain|file forces one of the two.
 */
export async function storeSecret(account: string, secret: string, warn: (message: string) => void): Promise<SecretLocation> {
  if (process.env.MAILSHOT_SECRET_STORE !== 'file') {
    try {
      (await keychainEntry(account)).setPassword(secret);
      return 'keychain';
    } catch (error) {
      if (process.env.MAILSHOT_SECRET_STORE === 'keychain')
        throw new StopError(`cannot store the secret in the keychain: ${(error as Error).message}`);
    }
  }
  // Said once, when the file is created: it stays (empty) when its last account is removed.
  if (!existsSync(secretFile())) {
    const why = process.env.MAILSHOT_SECRET_STORE === 'file' ? 'MAILSHOT_SECRET_STORE=file' : 'no keychain is reachable';
    warn(`${why}; secrets are kept in ${secretFile()} (readable only by you)`);
  }
  const secrets = await readSecretFile();
  await writeSecretFile({ ...secrets, [account]: secret });
  return 'file';
}

export async function readSecret(account: string, location: SecretLocation): Promise<string | undefined> {
  if (location === 'keychain') {
    try {
      return (await keychainEntry(account)).getPassword() ?? undefined;
    } catch (error) {
      throw new StopError(
        `cannot read the secret of account "${account}" from the keychain: ${(error as Error).message}; is the keyring unlocked?`,
      );
    }
  }
  if (location === 'file') return (await readSecretFile())[account];
  return undefined;
}

/** Replaces a secret where it already lives (a renewed token). */
export async function replaceSecret(account: string, location: SecretLocation, secret: string): Promise<void> {
  if (location === 'keychain') {
    try {
      (await keychainEntry(account)).setPassword(secret);
    } catch (error) {
      throw new StopError(
        `cannot update the secret of account "${account}" in the keychain: ${(error as Error).message}; is the keyring unlocked?`,
      );
    }
  } else if (location === 'file') {
    await writeSecretFile({ ...(await readSecretFile()), [account]: secret });
  }
}

export async function deleteSecret(account: string, location: SecretLocation): Promise<void> {
  if (location === 'pending') return deletePendingSecret(account);
  if (location === 'keychain') {
    try {
      (await keychainEntry(account)).deletePassword();
    } catch {
      // Already gone, or the keychain is unreachable now: the registry entry is removed regardless.
    }
  } else if (location === 'file') {
    const { [account]: _removed, ...rest } = await readSecretFile();
    await writeSecretFile(rest);
  }
}

/** An interrupted `accounts add` may have stored its secret in either store, or in neither. */
async function deletePendingSecret(account: string): Promise<void> {
  if (process.env.MAILSHOT_SECRET_STORE !== 'file') await deleteSecret(account, 'keychain');
  if (process.env.MAILSHOT_SECRET_STORE === 'keychain') return;
  if ((await readSecretFile())[account] !== undefined) await deleteSecret(account, 'file');
  await removeLeftoverCopies(secretFile()); // a copy of secrets.json the interrupted add was writing
}

export function secretFile(): string {
  return path.join(configDir(), 'secrets.json');
}

async function keychainEntry(account: string) {
  const { Entry } = await import('@napi-rs/keyring');
  // On Linux only the Secret Service counts: the kernel keyring does not outlive the login session (cron would not see it).
  return new Entry(service, account, { linux: { store: 'secret-service' } });
}

async function readSecretFile(): Promise<Record<string, string>> {
  try {
    const text = await readOwnerOnly(secretFile());
    return text === undefined ? {} : (JSON.parse(text) as Record<string, string>);
  } catch (error) {
    if (error instanceof StopError) throw error;
    throw new StopError(`cannot read ${secretFile()}: ${(error as Error).message}`);
  }
}

async function writeSecretFile(secrets: Record<string, string>): Promise<void> {
  await writeOwnerOnly(secretFile(), JSON.stringify(secrets, null, 2) + '\n');
}
