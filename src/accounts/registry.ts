import { mkdir } from 'node:fs/promises';
import Conf from 'conf';
import { InputError } from '../errors.js';
import { checkOwnerOnlyFolder } from '../system/owner-only.js';
import type { Account } from './account.js';
import { configDir } from '../auth/config-dir.js';
import { deleteSecret } from '../auth/secrets.js';

/** The account registry: a `conf` store (accounts.json) in the config folder, owner-only. */
export class AccountRegistry {
  private constructor(private readonly store: Conf<{ accounts: Record<string, Account> }>) {}

  static async open(): Promise<AccountRegistry> {
    const cwd = configDir();
    await mkdir(cwd, { recursive: true, mode: 0o700 });
    await checkOwnerOnlyFolder(cwd, 'the config folder', 3); // accounts.json, secrets.json, usage/<account>/<day>.log
    return new AccountRegistry(new Conf({ cwd, configName: 'accounts', configFileMode: 0o600, defaults: { accounts: {} } }));
  }

  list(): Account[] {
    return Object.values(this.store.get('accounts')).sort((a, b) => a.name.localeCompare(b.name));
  }

  find(name: string): Account | undefined {
    return this.store.get('accounts')[name];
  }

  get(name: string): Account {
    const account = this.find(name);
    if (!account) {
      const known = this.list().map((entry) => entry.name);
      throw new InputError(
        `no account named "${name}"${known.length ? ` (accounts: ${known.join(', ')})` : ''}; see \`mailshot accounts list\``,
      );
    }
    return account;
  }

  /** A new account's name must be usable with --via and not taken. */
  checkNewName(name: string): void {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
      throw new InputError(`account name "${name}": use letters, digits, ".", "_" or "-" (up to 64)`);
    }
    if (name === 'outbox') throw new InputError('"outbox" is the built-in outbox; choose another account name');
    if (this.find(name)) {
      throw new InputError(
        `an account named "${name}" exists already; remove it first (\`mailshot accounts remove ${name}\`) or choose another name`,
      );
    }
  }

  /** Saves a new account whose secret is stored already; when that fails the secret goes too, leaving nothing half-saved. */
  async add(account: Account): Promise<void> {
    try {
      this.put(account);
    } catch (error) {
      await deleteSecret(account.name, account.secret);
      throw error;
    }
  }

  put(account: Account): void {
    this.store.set('accounts', { ...this.store.get('accounts'), [account.name]: account });
  }

  remove(name: string): void {
    const { [name]: _removed, ...rest } = this.store.get('accounts');
    this.store.set('accounts', rest);
  }
}
