import type { Account } from '../../accounts/account.js';
import { outboxAccount } from '../../accounts/open-account.js';
import { SavedAccounts } from '../../accounts/registry.js';
import type { SendingService } from '../../campaign/check/service.js';

/** What the deliverability pre-flight needs to know about the account named by --via (read without loading conf). */
export async function sendingServiceOf(via: string): Promise<SendingService> {
  if (via === outboxAccount) return { kind: 'outbox' };
  return serviceOfAccount((await SavedAccounts.read()).get(via));
}

function serviceOfAccount(account: Account): SendingService {
  switch (account.kind) {
    case 'smtp':
      return {
        kind: 'smtp',
        account: account.name,
        host: account.host,
        ...(account.dkim
          ? { dkim: { domain: account.dkim.domain, selector: account.dkim.selector, publicKey: account.dkim.publicKey } }
          : {}),
      };
    case 'google':
    case 'microsoft':
      return { kind: account.kind, account: account.name, address: account.address };
    case 'ses':
      // SES's API sends from the same servers as its SMTP endpoint: the pre-flight judges it as that relay.
      return { kind: 'smtp', account: account.name, host: `email-smtp.${account.region}.amazonaws.com` };
  }
}
