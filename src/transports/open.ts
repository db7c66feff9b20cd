import { InputError } from '../errors.js';
import { OutboxTransport } from './outbox.js';
import type { Transport } from './transport.js';

export const outboxAccount = 'outbox';

/** The transport for an account name; provider code is loaded only when that kind of account is used. */
export async function openTransport(via: string, outboxDir: string): Promise<Transport> {
  if (via === outboxAccount) return new OutboxTransport(outboxDir);
  throw new InputError(`no account named "${via}"; see \`mailshot accounts list\`, or leave out --via to write to the outbox`);
}
