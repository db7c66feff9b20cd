import { OutboxTransport } from '../transports/outbox.js';
import { DeliveryError, type SizeLimit, type Transport } from '../transports/transport.js';
import { LaterError, StopError } from '../errors.js';
import type { SesTransport } from '../transports/ses.js';
import type { DailyUsage } from '../throttle/daily.js';
import { credentialOf, credentialStore } from '../auth/credentials.js';
import type { Account, AccountKind, AccountLimits } from './account.js';
import { kindDefaults } from './kinds.js';
import { dailyUsage, effectiveLimits, mergeLimits, sharedLimits, type EffectiveLimits, type SharedLimits } from './limits.js';
import { SavedAccounts } from './registry.js';
import { refuseIncomplete } from './save-account.js';

export const outboxAccount = 'outbox';

/** An account ready to send: its transport, the limits in force and its shared daily usage log. */
export interface SendingAccount {
  name: string;
  /** The largest message the account takes, when it has a limit of its own. */
  sizeLimit?: SizeLimit;
  transport: Transport;
  limits: EffectiveLimits;
  usage?: DailyUsage;
  /** The account's concurrency slots and rate turns, shared with every other process sending through it. */
  shared?: SharedLimits;
}

/** Opens the named account (or the outbox) with the run's limit overrides on top of the account's. */
export async function openAccount(via: string, outboxDir: string, overrides: AccountLimits): Promise<SendingAccount> {
  if (via === outboxAccount) {
    return { name: via, transport: new OutboxTransport(outboxDir), limits: effectiveLimits(mergeLimits(overrides)) };
  }
  const stored = (await SavedAccounts.read()).get(via);
  const account = { ...stored, limits: mergeLimits(stored.limits, overrides) };
  const transport = await transportFor(account);
  const quotaLimits = account.kind === 'ses' ? await sesQuotaLimits(via, transport as SesTransport) : {};
  const limits = effectiveLimits(mergeLimits(quotaLimits, account.limits));
  return {
    name: via,
    sizeLimit: sizeLimitOf(account.kind),
    transport,
    limits,
    usage: dailyUsage(via, limits.dailyLimit),
    shared: sharedLimits(via, transport),
  };
}

/**
 * SES states its own quota (GetAccount): the pace is 90% of its maximum rate, and the daily limit is what SES
 * still allows on top of what this machine's log already counts, so the run pauses where SES would refuse.
 * Limits set on the account or the run win.
 */
async function sesQuotaLimits(via: string, transport: SesTransport): Promise<AccountLimits> {
  const quota = await transport.quota().catch((error: unknown) => {
    if (!(error instanceof DeliveryError)) throw error;
    const message = `cannot read the sending quota: ${error.message}`;
    throw error.kind === 'auth' || error.kind === 'config' ? new StopError(message) : new LaterError(message);
  });
  const counted = await dailyUsage(via, undefined).sentInWindow();
  const left = Math.max(0, quota.max24HourSend - quota.sentLast24Hours);
  // Just under the maximum: requests paced at exactly the rate arrive bunched by the network, and SES counts arrivals.
  const rate = Math.floor(quota.maxSendRate * 90) / 100;
  return { rate: `${rate}/s`, dailyLimit: Math.max(1, counted + left) };
}

/** The account kind's message size limit, for `validate --via` and the send loop. */
function sizeLimitOf(kind: AccountKind): SizeLimit | undefined {
  const { maxMessageBytes, label } = kindDefaults[kind];
  return maxMessageBytes === undefined ? undefined : { bytes: maxMessageBytes, label };
}

/** `validate --via`: the size limit of the named account (none for the outbox). */
export async function sizeLimitOfAccount(via: string | undefined): Promise<SizeLimit | undefined> {
  if (!via || via === outboxAccount) return undefined;
  return sizeLimitOf((await SavedAccounts.read()).get(via).kind);
}

/**
 * The transport for an account, from its settings, its secret and its limits (an SMTP pool opens no more
 * connections than it may send messages at once). Provider code is loaded only when that kind is used.
 */
export async function transportFor(account: Account): Promise<Transport> {
  refuseIncomplete(account);
  switch (account.kind) {
    case 'smtp': {
      const [{ SmtpTransport }, { dkimKeyOf }] = await Promise.all([import('../transports/smtp.js'), import('./dkim-signing.js')]);
      const pool = { maxConnections: effectiveLimits(account.limits).maxConcurrent, perConnection: account.limits.perConnection };
      return new SmtpTransport(account, await credentialOf(account), pool, await dkimKeyOf(account));
    }
    case 'google': {
      const [{ GmailTransport }, { googleTokens }] = await Promise.all([
        import('../transports/gmail.js'),
        import('../auth/google-oauth.js'),
      ]);
      return new GmailTransport(account, googleTokens(account.clientId, account.name, credentialStore(account)));
    }
    case 'microsoft': {
      const [{ GraphTransport }, { microsoftTokens }] = await Promise.all([
        import('../transports/microsoft.js'),
        import('../auth/microsoft-oauth.js'),
      ]);
      return new GraphTransport(account, microsoftTokens(account, credentialStore(account)));
    }
    case 'ses': {
      const { SesTransport } = await import('../transports/ses.js');
      return new SesTransport(account);
    }
  }
}
