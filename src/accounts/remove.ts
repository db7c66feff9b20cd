import { deleteSecret } from '../auth/secrets.js';
import { deleteDkimKey } from './dkim-signing.js';
import { AccountRegistry } from './registry.js';

/** `accounts remove`: the stored secret, then the account. */
export async function removeAccount(name: string): Promise<void> {
  const registry = await AccountRegistry.open();
  const account = registry.get(name);
  await deleteSecret(name, account.secret);
  if (account.kind === 'smtp') await deleteDkimKey(account);
  registry.remove(name);
}
