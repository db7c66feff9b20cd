import { credentialOf } from '../accounts/credentials.js';
import { AccountRegistry } from '../accounts/registry.js';
import type { Account } from '../accounts/account.js';
import { OutboxTransport } from './outbox.js';
import type { Transport } from './transport.js';

export const outboxAccount = 'outbox';

/** The transport for an account name; provider code is loaded only when that kind of account is used. */
export async function openTransport(via: string, outboxDir: string): Promise<Transport> {
  if (via === outboxAccount) return new OutboxTransport(outboxDir);
  const registry = await AccountRegistry.open();
  return transportFor(registry.get(via));
}

export async function transportFor(account: Account): Promise<Transport> {
  const credential = await credentialOf(account);
  switch (account.kind) {
    case 'smtp': {
      const { SmtpTransport } = await import('./smtp.js');
      return new SmtpTransport(account, credential);
    }
  }
}
