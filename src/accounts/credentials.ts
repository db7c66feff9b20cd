import { StopError } from '../errors.js';
import type { Account } from './account.js';
import { readSecret } from './secrets.js';

/** The account's password or token, from the environment variable it names or from the secret store. */
export async function credentialOf(account: Account): Promise<string | undefined> {
  if (account.passwordEnv) {
    const value = process.env[account.passwordEnv];
    if (value === undefined) {
      throw new StopError(`account "${account.name}" reads its password from $${account.passwordEnv}, which is not set; export it and try again`);
    }
    return value;
  }
  if (account.secret === 'none') return undefined;
  const secret = await readSecret(account.name, account.secret);
  if (secret === undefined) {
    throw new StopError(`the stored password of account "${account.name}" is missing; run \`mailshot accounts add\` for it again (after \`mailshot accounts remove ${account.name}\`)`);
  }
  return secret;
}
