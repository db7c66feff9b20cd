import { StopError } from '../errors.js';
import { readSecret, replaceSecret, type SecretLocation } from './secrets.js';

/** An OAuth account's token state (JSON text), read at start and written back when the provider renews it. */
export interface CredentialStore {
  read(): Promise<string | undefined>;
  write(value: string): Promise<void>;
}

/** Whose secret, and where it lives. */
export interface SecretOwner {
  name: string;
  secret: SecretLocation;
  /** With `--password-env VAR`: the variable read at send time. */
  passwordEnv?: string;
}

export function credentialStore(account: SecretOwner): CredentialStore {
  return {
    read: () => readSecret(account.name, account.secret),
    write: (value) => replaceSecret(account.name, account.secret, value),
  };
}

/** The SMTP password, from the environment variable the account names or from the secret store. */
export async function credentialOf(account: SecretOwner): Promise<string | undefined> {
  if (account.passwordEnv) {
    const value = process.env[account.passwordEnv];
    if (value === undefined) {
      throw new StopError(
        `account "${account.name}" reads its password from $${account.passwordEnv}, which is not set; export it and try again`,
      );
    }
    return value;
  }
  if (account.secret === 'none') return undefined;
  const secret = await readSecret(account.name, account.secret);
  if (secret === undefined) {
    throw new StopError(
      `the stored password of account "${account.name}" is missing; give it again with \`mailshot accounts set ${account.name} --password-stdin\``,
    );
  }
  return secret;
}
