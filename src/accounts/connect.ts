import { OutboxTransport } from '../transports/outbox.js';
import type { Transport } from '../transports/transport.js';
import type { DailyUsage } from '../throttle/daily.js';
import type { SizeLimit } from '../campaign/prepare.js';
import type { Account, AccountKind, AccountLimits } from './account.js';
import { kindDefaults } from './kinds.js';
import { credentialOf, credentialStore } from './credentials.js';
import { dailyUsage, effectiveLimits, mergeLimits, type EffectiveLimits } from './limits.js';
import { AccountRegistry } from './registry.js';
import { refuseIncomplete } from './save-account.js';

export const outboxAccount = 'outbox';

/** An account ready to send: its transport, the limits in force and its shared daily usage log. */
export interface Connection {
  name: string;
  /** The largest message the account takes, when it has a limit of its own. */
  sizeLimit?: SizeLimit;
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
  return { name: via, sizeLimit: sizeLimitOf(account.kind), transport: await transportFor(account), limits, usage: dailyUsage(via, limits.dailyLimit) };
}

/** The account kind's message size limit, for `validate --via` and the send loop. */
export function sizeLimitOf(kind: AccountKind): SizeLimit | undefined {
  const { maxMessageBytes, label } = kindDefaults[kind];
  return maxMessageBytes === undefined ? undefined : { bytes: maxMessageBytes, label };
}

/** `validate --via`: the size limit of the named account (none for the outbox). */
export async function sizeLimitOfAccount(via: string | undefined): Promise<SizeLimit | undefined> {
  if (!via || via === outboxAccount) return undefined;
  return sizeLimitOf((await AccountRegistry.open()).get(via).kind);
}

/** The transport for an account; provider code is loaded only when that kind of account is used. */
export async function transportFor(account: Account): Promise<Transport> {
  refuseIncomplete(account);
  switch (account.kind) {
    case 'smtp': {
      const { SmtpTransport } = await import('../transports/smtp.js');
      return new SmtpTransport(account, await credentialOf(account));
    }
    case 'google': {
      const { GmailTransport } = await import('../transports/gmail.js');
      return new GmailTransport(account, credentialStore(account));
    }
    case 'microsoft': {
      const { GraphTransport } = await import('../transports/microsoft.js');
      return new GraphTransport(account, credentialStore(account));
    }
  }
}
