import { OutboxTransport } from '../transports/outbox.js';
import type { Transport } from '../transports/transport.js';
import type { DailyUsage } from '../throttle/daily.js';
import type { Account, AccountLimits } from './account.js';
import { credentialOf } from './credentials.js';
import { dailyUsage, effectiveLimits, mergeLimits, type EffectiveLimits } from './limits.js';
import { AccountRegistry } from './registry.js';

export const outboxAccount = 'outbox';

/** An account ready to send: its transport, the limits in force and its shared daily usage log. */
export interface Connection {
  name: string;
  transport: Transport;
  limits: EffectiveLimits;
  usage?: DailyUsage;
}

/** Opens the named account (or the outbox) with the run's limit overrides on top of the account's. */
export async function connectAccount(via: string, outboxDir: string, overrides: AccountLimits): Promise<Connection> {
  if (via === outboxAccount) {
    return { name: via, transport: new OutboxTransport(outboxDir), limits: effectiveLimits(mergeLimits(overrides)) };
  }
  const stored = (await AccountRegistry.open()).get(via);
  const account = { ...stored, limits: mergeLimits(stored.limits, overrides) };
  const limits = effectiveLimits(account.limits);
  return { name: via, transport: await transportFor(account), limits, usage: dailyUsage(via, limits.dailyLimit) };
}

/** The transport for an account; provider code is loaded only when that kind of account is used. */
export async function transportFor(account: Account): Promise<Transport> {
  const credential = await credentialOf(account);
  switch (account.kind) {
    case 'smtp': {
      const { SmtpTransport } = await import('../transports/smtp.js');
      return new SmtpTransport(account, credential);
    }
  }
}
