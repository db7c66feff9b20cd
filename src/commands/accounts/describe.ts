import type { Account, AccountLimits } from '../../accounts/account.js';
import { formatLimits } from '../../throttle/rate.js';

/** One line about an account: where it sends, how it signs in, its limits; never a secret. */
export function describe(account: Account): string {
  const parts: string[] = [];
  if (account.kind === 'smtp') {
    if (account.preset) parts.push(`preset ${account.preset}`);
    parts.push(`${account.host}:${account.port}`, account.security === 'none' ? 'no TLS' : account.security);
    if (account.insecureTls) parts.push('INSECURE TLS: certificate not verified');
    if (account.user) parts.push(`user ${account.user}`);
    parts.push(account.passwordEnv ? `password from $${account.passwordEnv}` : `secret: ${account.secret}`);
    if (account.imap) parts.push(`mailbox: IMAP ${account.imap.host}:${account.imap.port} (${account.imap.security})`);
    if (account.dkim) parts.push(`DKIM: ${account.dkim.selector}._domainkey.${account.dkim.domain} (key: ${account.dkim.secret})`);
  } else if (account.kind === 'ses') {
    parts.push(`Amazon SES ${account.region}`, 'credentials: the AWS default chain (none stored)');
  } else {
    parts.push(
      account.address,
      account.kind === 'google' ? (account.workspace ? 'Google Workspace' : 'Gmail') : `Microsoft (tenant ${account.tenant})`,
    );
    parts.push(`token: ${account.secret}`);
    if (account.reconcile) parts.push('can look up Sent');
    if (account.readMail) parts.push('can read mail for bounces');
  }
  const limits = describeLimits(account.limits);
  if (limits) parts.push(limits);
  return parts.join(', ');
}

export function describeLimits(limits: AccountLimits): string {
  return formatLimits({ ...limits, concurrency: limits.maxConcurrent });
}
