/**
 * The words of a failure message, keyed by the id a rule of classify.ts names: what the server said, and what
 * the person can do about it (the command or setting to change).
 */
import type { HttpFacts } from './http-error.js';
import type { SmtpFacts } from './smtp-reply.js';

/** Optional facts that make messages concrete; every field may be left out. */
export interface ClassifyContext {
  /** The account name, used in "link it again" advice. */
  account?: string;
  host?: string;
  port?: number;
  /** Which OAuth provider an HTTP error came from, for auth advice. */
  provider?: 'google' | 'microsoft';
  /** Clock for relative hints ("retry in 30 seconds", `Retry-After: 2.1`); defaults to now. */
  now?: Date;
}

const where = (c: ClassifyContext): string => (c.host ? `${c.host}${c.port ? `:${c.port}` : ''}` : 'the server');
const accountName = (c: ClassifyContext): string => c.account ?? 'NAME';
// `accounts add` refuses a name that exists, so a new user name starts with the removal.
const relinkSmtp = (c: ClassifyContext): string =>
  `check the user name and password: give the right password with mailshot accounts set ${accountName(c)} --password-stdin; a wrong user name needs mailshot accounts remove ${accountName(c)}, then mailshot accounts add smtp ${accountName(c)} --host … --user … --password-stdin`;
const serverSaid = (f: SmtpFacts): string => (f.reply ? `the server replied "${f.reply}"` : f.text);
const untrustedCertificate = (f: SmtpFacts, c: ClassifyContext): string =>
  `the TLS certificate of ${where(c)} is not trusted (${f.text}); install a valid certificate on the server, use the host name the certificate was issued for, or if you trust this server add the account again with --insecure-tls`;

const relinkOAuth = (c: ClassifyContext): string =>
  c.provider === 'microsoft'
    ? `link the account again: mailshot accounts remove ${accountName(c)}, then mailshot accounts add microsoft ${accountName(c)} --client-id …`
    : c.provider === 'google'
      ? `link the account again: mailshot accounts remove ${accountName(c)}, then mailshot accounts add google ${accountName(c)} --client-id … (an OAuth app left in "Testing" status gets refresh tokens that expire after 7 days: set its publishing status to "In production" to keep them)`
      : `link the account again with mailshot accounts add google|microsoft ${accountName(c)} …`;
export const providerSaid = (f: HttpFacts): string =>
  `${f.status}${f.reasons.length ? ` ${f.reasons[0]}` : ''}${f.text ? `: ${f.text}` : ''}`;

/** SMTP wordings (a table of data). */
export const smtpWording = {
  'smtp-auth-disabled': (f: SmtpFacts, c: ClassifyContext) =>
    `${serverSaid(f)}: SMTP AUTH with a password is turned off for this mailbox; enable SMTP AUTH for it in the Microsoft 365 admin centre, or link it as a Microsoft account instead: mailshot accounts add microsoft ${accountName(c)} --client-id …`,
  'app-password': (f: SmtpFacts, c: ClassifyContext) =>
    `${serverSaid(f)}: create an app password for this Google account, then ${relinkSmtp(c)}`,
  'auth-failed': (f: SmtpFacts, c: ClassifyContext) => `authentication failed at ${where(c)}: ${serverSaid(f)}; ${relinkSmtp(c)}`,
  'starttls-refused': (f: SmtpFacts, c: ClassifyContext) =>
    `${where(c)} did not start TLS (${serverSaid(f)}), so the password was not sent; if the server speaks TLS from the first byte use --security tls (usually port 465); --security none would send the password unencrypted`,
  'untrusted-certificate': untrustedCertificate,
  'tls-mismatch': (f: SmtpFacts, c: ClassifyContext) =>
    `TLS failed with ${where(c)} (${f.text}); check --security and --port: implicit TLS ("--security tls") is usually port 465, STARTTLS ("--security starttls") port 587`,
  'unknown-host': (f: SmtpFacts, c: ClassifyContext) =>
    `cannot find the host${c.host ? ` ${c.host}` : ''} (${f.text}); check --host of the account`,
  'connection-refused': (f: SmtpFacts, c: ClassifyContext) =>
    `connection refused by ${where(c)} (${f.text}); check --host and --port of the account (587 for STARTTLS, 465 for TLS) and that the server is running`,
  'no-greeting': (f: SmtpFacts, c: ClassifyContext) =>
    `${where(c)} accepted the connection but sent no greeting (${f.text}); if this keeps happening check --security: port 465 needs "--security tls"`,
};
export type SmtpWording = keyof typeof smtpWording;

/** Gmail API, Graph and OAuth wordings (a table of data). */
export const httpWording = {
  'send-as-denied': (f: HttpFacts) =>
    `${providerSaid(f)}; the signed-in mailbox may not send as the campaign's from address: set "from" to the account's own address (see mailshot accounts list) or get Send As permission for it`,
  'oauth-client-rejected': (f: HttpFacts, c: ClassifyContext) =>
    `the OAuth client was rejected (${providerSaid(f)}); check --client-id/--client-secret and ${relinkOAuth(c)}`,
  'grant-revoked': (f: HttpFacts, c: ClassifyContext) =>
    `the account's authorisation is no longer valid (${providerSaid(f)}); ${relinkOAuth(c)}`,
};
export type HttpWording = keyof typeof httpWording;
