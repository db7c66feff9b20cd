import type { Account } from '../accounts/account.js';
import { outboxAccount } from '../accounts/open-account.js';
import { SavedAccounts } from '../accounts/registry.js';
import { isValidAddress, normaliseAddress } from '../campaign/address.js';
import { InputError } from '../errors.js';

/**
 * The sending identity whose suppression list applies: the mailbox address of a Google or Microsoft
 * account, an SMTP account's user name when it is an address (else the account's name: an SMTP login
 * need not be one), an SES account's name (it sends from many addresses), and "outbox" for rehearsals.
 */
export function identityOf(account: Account | typeof outboxAccount): string {
  if (account === outboxAccount) return outboxAccount;
  if (account.kind === 'ses') return account.name;
  if (account.kind !== 'smtp') return normaliseAddress(account.address);
  return account.user && isValidAddress(account.user.trim()) ? normaliseAddress(account.user) : account.name;
}

/** The identity of the named account (or the outbox). */
export async function identityOfAccount(via: string): Promise<string> {
  if (via === outboxAccount) return outboxAccount;
  return identityOf((await SavedAccounts.read()).get(via));
}

/** `--account NAME`, or the only account there is. */
export async function chooseAccount(name: string | undefined): Promise<string> {
  if (name) return name;
  const accounts = (await SavedAccounts.read()).list();
  if (accounts.length === 1) return accounts[0].name;
  const known = accounts.map((account) => account.name);
  throw new InputError(`name the account with --account NAME (${known.length ? `accounts: ${known.join(', ')}, ` : ''}or "outbox")`);
}
