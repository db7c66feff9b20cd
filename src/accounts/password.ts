import { deleteSecret, replaceSecret, storeSecret } from '../auth/secrets.js';
import { InputError } from '../errors.js';
import type { SmtpAccount } from './account.js';
import { AccountRegistry } from './registry.js';
import { refuseIncomplete } from './save-account.js';

/** The new password itself (from stdin), or the variable to read it from at every send. */
export type PasswordChange = { password: string } | { passwordEnv: string };

/**
 * `accounts set NAME --password-stdin|--password-env VAR`: an SMTP account's password replaced, nothing
 * else changed. A stored password is replaced where it lives; one no longer needed (now read from a
 * variable) is deleted only once the account no longer points at it.
 */
export async function setSmtpPassword(name: string, change: PasswordChange, warn: (message: string) => void): Promise<SmtpAccount> {
  const registry = await AccountRegistry.open();
  const account = registry.get(name);
  refuseIncomplete(account);
  if (account.kind !== 'smtp') {
    throw new InputError(
      account.kind === 'ses'
        ? `account "${name}" uses the AWS credentials of the environment or profile; mailshot stores none to replace`
        : `account "${name}" signs in with ${account.kind === 'google' ? 'Google' : 'Microsoft'}, not a password; remove it and add it again to sign in anew`,
    );
  }
  if (!account.user) {
    throw new InputError(`account "${name}" has no user name, so no password; remove it and add it again with --user`);
  }
  const stored = account.secret === 'keychain' || account.secret === 'file';
  if ('passwordEnv' in change) {
    if (process.env[change.passwordEnv] === undefined) {
      throw new InputError(
        `--password-env ${change.passwordEnv}: that variable is not set; export it first (it is read again at every send)`,
      );
    }
    const updated: SmtpAccount = { ...account, passwordEnv: change.passwordEnv, secret: 'env' };
    registry.put(updated);
    if (stored) await deleteSecret(name, account.secret);
    return updated;
  }
  if (stored) {
    await replaceSecret(name, account.secret, change.password);
    return account;
  }
  const updated: SmtpAccount = { ...account, passwordEnv: undefined, secret: await storeSecret(name, change.password, warn) };
  registry.put(updated);
  return updated;
}
