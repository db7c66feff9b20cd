import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type Conf from 'conf';
import { InputError } from '../errors.js';
import { checkOwnerOnlyFolder } from '../system/owner-only.js';
import type { Account } from './account.js';
import { configDir } from '../auth/config-dir.js';
import { deleteSecret } from '../auth/secrets.js';
import { makeFolder } from '../system/make-folder.js';

/** The linked accounts, for reading (list, find, get). */
export class SavedAccounts {
  protected constructor(private readonly accounts: () => Record<string, Account>) {}

  /**
   * For a command that only reads the accounts: accounts.json read as conf reads it, without loading conf
   * (its schema validator and migrations take a tenth of a second to load, for nothing here). When the file
   * is missing or is not what conf writes, conf opens it as before, and writes or refuses what it does.
   */
  static async read(): Promise<SavedAccounts> {
    const cwd = await checkedConfigDir();
    const accounts = await savedAccounts(path.join(cwd, 'accounts.json'));
    return accounts ? new SavedAccounts(() => accounts) : AccountRegistry.open();
  }

  list(): Account[] {
    return Object.values(this.accounts()).sort((a, b) => a.name.localeCompare(b.name));
  }

  find(name: string): Account | undefined {
    return this.accounts()[name];
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
}

/** The account registry: a `conf` store (accounts.json) in the config folder, owner-only. */
export class AccountRegistry extends SavedAccounts {
  private constructor(private readonly store: Conf<{ accounts: Record<string, Account> }>) {
    super(() => store.get('accounts'));
  }

  static async open(): Promise<AccountRegistry> {
    const cwd = await checkedConfigDir();
    const { default: Conf } = await import('conf');
    return new AccountRegistry(new Conf({ cwd, configName: 'accounts', configFileMode: 0o600, defaults: { accounts: {} } }));
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

/** The config folder, created owner-only and checked: accounts.json, secrets.json, usage/<account>/<day>.log. */
async function checkedConfigDir(): Promise<string> {
  const cwd = configDir();
  await makeFolder(cwd, 0o700);
  await checkOwnerOnlyFolder(cwd, 'the config folder', 3);
  return cwd;
}

/** The accounts in accounts.json; undefined when it is missing, unreadable, or holds no mapping of accounts. */
async function savedAccounts(file: string): Promise<Record<string, Account> | undefined> {
  try {
    const saved: unknown = JSON.parse(await readFile(file, 'utf8'));
    const accounts = (saved as { accounts?: unknown } | null)?.accounts;
    return accounts && typeof accounts === 'object' && !Array.isArray(accounts) ? (accounts as Record<string, Account>) : undefined;
  } catch {
    return undefined;
  }
}
