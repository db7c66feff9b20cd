/**
 * Turns what a mail service answers into a DeliveryError kind — one place, two ordered tables.
 *
 * Like nodemailer's `errors.js`, this file is mostly data: each row is `{ pattern, kind, why }`
 * and the first row whose pattern matches decides. Order matters and is part of the contract:
 *
 *  - quota rows come before the generic 5xx row: `550 5.4.5`, `554 5.2.0 …QuotaExceeded…` and
 *    `550 5.1.90` mean "pause the account", not "this recipient failed";
 *  - reply rows come before error-code rows: nodemailer reports `454 4.7.0 Too many login attempts`
 *    as `EAUTH`, but it is the server slowing us down, not a wrong password;
 *  - provider reasons come before HTTP statuses: Gmail sends `userRateLimitExceeded` as 403 or 429.
 *
 * The real reply strings these rows were written against are in test/fixtures/provider-replies.ts
 * (taken from ../shared/PROVIDERS.md) and every one of them is checked by test/classify.test.ts.
 *
 * Parsing is elsewhere (smtp-reply.ts, http-error.ts, retry-after.ts); this file only decides. Every
 * decision about a reply is made here and carried on DeliveryError.details: the kind, whether the server
 * answered at all, whether it could not be reached, which limit a throttling reply names, the retry time.
 *
 * Connection refused and unknown host are `config`: on the first connect they almost always mean
 * a wrong `--host`/`--port`. The classifier cannot know whether this run already reached the server,
 * so it does not guess: `details.unreachable` tells the send loop that a `config` error is really
 * "could not reach the server", and the loop treats it as network loss once the run has delivered
 * something through this account.
 */
import { httpFacts, retryAfterHeader, type HttpFacts } from './http-error.js';
import { latestRetryTime, retryHint } from './retry-after.js';
import { mostSpecificCode, smtpFacts, type SmtpFacts } from './smtp-reply.js';
import { DeliveryError, type DeliveryErrorKind, type ThrottledLimit } from './transport.js';

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

// ─── SMTP ─────────────────────────────────────────────────────────────────────────────────────

export interface SmtpPattern {
  /** Tested against the whole one-line reply (`550 5.4.5 Daily user …`). Requires a reply. */
  reply?: RegExp;
  /** Tested against the reply text, or the error message when there is no reply. */
  text?: RegExp;
  /** Matches when any of the error's codes is one of these. */
  code?: readonly string[];
}

export interface SmtpRule {
  pattern: SmtpPattern;
  kind: DeliveryErrorKind;
  why: string;
  /** Human message; defaults to the server's reply, or the error message. */
  message?: (facts: SmtpFacts, context: ClassifyContext) => string;
}

/** Reply text that says "slow down" rather than "something broke". */
const SLOW_DOWN =
  /\brate\b|ratelimit|too many|too much mail|try again later|receiving (?:e-?mail|mail|messages) too quickly|concurrent|limit exceeded|server busy|thread limit/i;

const CERTIFICATE_CODES = [
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
] as const;
const CERTIFICATE_TEXT = /certificate|self[- ]signed|unable to verify|altnames|issuer/i;

/** Codes that mean "the server could not be reached at all" (see isUnreachable). */
const UNREACHABLE_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'EDNS', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'] as const;

const where = (c: ClassifyContext): string =>
  c.host ? `${c.host}${c.port ? `:${c.port}` : ''}` : 'the server';
const accountName = (c: ClassifyContext): string => c.account ?? 'NAME';
// `accounts add` refuses a name that exists, so the advice starts with the removal.
const relinkSmtp = (c: ClassifyContext): string =>
  `check the user name and password, then link the account again: mailshot accounts remove ${accountName(c)}, then mailshot accounts add smtp ${accountName(c)} --host … --user … --password-stdin`;
const serverSaid = (f: SmtpFacts): string => (f.reply ? `the server replied "${f.reply}"` : f.text);
const untrustedCertificate = (f: SmtpFacts, c: ClassifyContext): string =>
  `the TLS certificate of ${where(c)} is not trusted (${f.text}); install a valid certificate on the server, use the host name the certificate was issued for, or if you trust this server add the account again with --insecure-tls`;

/** Checked top to bottom; the first match decides. */
const SMTP_RULES: readonly SmtpRule[] = [
  // ── quota: pause the whole account (before any generic 5xx row) ──
  { pattern: { reply: /^550 5\.4\.5\b/ }, kind: 'quota', why: 'Gmail: daily user sending / SMTP relay limit exceeded' },
  { pattern: { reply: /^554 5\.2\.0\b/, text: /QuotaExceeded/i }, kind: 'quota', why: 'Exchange Online: SubmissionQuotaExceededException (daily submission quota)' },
  { pattern: { reply: /^550 5\.1\.90\b/ }, kind: 'quota', why: 'Exchange Online: daily limit for message recipients reached' },

  // ── authentication ──
  {
    pattern: { reply: /^535 5\.7\.139\b/ },
    kind: 'auth',
    why: 'Microsoft 365: basic authentication (SMTP AUTH) is disabled for this tenant or mailbox',
    message: (f, c) =>
      `${serverSaid(f)}: SMTP AUTH with a password is turned off for this mailbox; enable SMTP AUTH for it in the Microsoft 365 admin centre, or link it as a Microsoft account instead: mailshot accounts add microsoft ${accountName(c)} --client-id …`,
  },
  {
    pattern: { reply: /^534 5\.7\.9\b/ },
    kind: 'auth',
    why: 'Gmail: an app password is required (2-Step Verification is on)',
    message: (f, c) => `${serverSaid(f)}: create an app password for this Google account, then ${relinkSmtp(c)}`,
  },
  {
    pattern: { reply: /^53[045]\b/ },
    kind: 'auth',
    why: '530 authentication required, 534 mechanism too weak / web login required, 535 credentials rejected',
    message: (f, c) => `authentication failed at ${where(c)}: ${serverSaid(f)}; ${relinkSmtp(c)}`,
  },

  // ── STARTTLS refused or not offered: the account requires TLS, so the password was not sent ──
  {
    pattern: { code: ['ETLS'], reply: /^[45]\d\d\b/ },
    kind: 'config',
    why: 'the server answered STARTTLS with an error (it does not offer it, or cannot start TLS now)',
    message: (f, c) =>
      `${where(c)} did not start TLS (${serverSaid(f)}), so the password was not sent; if the server speaks TLS from the first byte use --security tls (usually port 465); --security none would send the password unencrypted`,
  },

  // ── throttling: the server asks us to slow down ──
  { pattern: { reply: /^421 4\.7\.28\b/ }, kind: 'throttled', why: 'Gmail: too many messages with the same Message-ID (IDs must be unique per message)' },
  { pattern: { reply: /^(?:421|432|450|451|454)\b/, text: SLOW_DOWN }, kind: 'throttled', why: '421/432/450/451/454 with rate, connection-count or "try again later" text' },

  // ── other temporary replies ──
  { pattern: { reply: /^452 4\.5\.3\b/ }, kind: 'transient', why: 'too many recipients in this transaction; a later, smaller one will pass' },
  { pattern: { reply: /^4\d\d\b/ }, kind: 'transient', why: 'RFC 5321 4yz: temporary failure, try again later' },
  { pattern: { reply: /^503\b/ }, kind: 'transient', why: '503 bad sequence of commands: the session was out of step; a new connection can succeed' },

  // ── authentication failures without a 53x reply (missing credentials, 5xx to AUTH, OAuth2) ──
  {
    pattern: { code: ['EAUTH', 'ENOAUTH', 'EOAUTH2'] },
    kind: 'auth',
    why: 'nodemailer could not authenticate',
    message: (f, c) => `authentication failed at ${where(c)}: ${serverSaid(f)}; ${relinkSmtp(c)}`,
  },

  // ── permanent, for this recipient or this message ──
  { pattern: { reply: /^550 5\.7\.1\b/, text: /Message-ID/i }, kind: 'permanent', why: 'Gmail: message without a valid Message-ID header' },
  { pattern: { reply: /^5\d\d\b/ }, kind: 'permanent', why: 'RFC 5321 5yz: do not repeat this request (user unknown, mailbox name not allowed, content refused …)' },

  // ── no reply: the connection itself ──
  {
    pattern: { code: CERTIFICATE_CODES },
    kind: 'config',
    why: 'the server certificate is not trusted (self-signed, expired, wrong host name)',
    message: untrustedCertificate,
  },
  {
    pattern: { code: ['ETLS', 'ESOCKET'], text: CERTIFICATE_TEXT },
    kind: 'config',
    why: 'certificate rejected during STARTTLS or the implicit TLS handshake',
    message: untrustedCertificate,
  },
  {
    pattern: { code: ['ETLS', 'EREQUIRETLS', 'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO'] },
    kind: 'config',
    why: 'TLS could not be set up: usually --security does not match the port (tls is 465, starttls is 587)',
    message: (f, c) =>
      `TLS failed with ${where(c)} (${f.text}); check --security and --port: implicit TLS ("--security tls") is usually port 465, STARTTLS ("--security starttls") port 587`,
  },
  {
    pattern: { code: ['EAI_AGAIN'] },
    kind: 'transient',
    why: 'DNS lookup failed for now (resolver unreachable): network trouble, not a wrong name',
  },
  {
    pattern: { code: ['ENOTFOUND', 'EDNS'] },
    kind: 'config',
    why: 'the host name does not resolve',
    message: (f, c) => `cannot find the host${c.host ? ` ${c.host}` : ''} (${f.text}); check --host of the account`,
  },
  {
    pattern: { code: ['ECONNREFUSED'] },
    kind: 'config',
    why: 'nothing listens on that host and port (a caller that already delivered in this run treats it as network loss: isUnreachable)',
    message: (f, c) => `connection refused by ${where(c)} (${f.text}); check --host and --port of the account (587 for STARTTLS, 465 for TLS) and that the server is running`,
  },
  {
    pattern: { code: ['ETIMEDOUT'], text: /greeting never received/i },
    kind: 'transient',
    why: 'connected but no greeting: a slow server, or a plain client on an implicit-TLS port',
    message: (f, c) =>
      `${where(c)} accepted the connection but sent no greeting (${f.text}); if this keeps happening check --security: port 465 needs "--security tls"`,
  },
  {
    pattern: { code: ['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ETIMEDOUT', 'ECONNECTION', 'ESOCKET', 'EPROTOCOL', 'EMAXLIMIT', 'EABORT', 'ESTREAM'] },
    kind: 'transient',
    why: 'dropped connection, timeout or garbled reply: RFC 5321 counts a lost connection as 451',
  },
  {
    pattern: { code: ['ECONFIG', 'EPROXY', 'ERR_ACCESS_DENIED'] },
    kind: 'config',
    why: 'invalid transport settings, proxy failure, or Node permission model denied network access',
  },
  {
    pattern: { code: ['EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS'] },
    kind: 'permanent',
    why: 'nodemailer refused the message or address itself (no server reply): resending it will not help',
  },

  // ── anything else: retry a bounded number of times ──
  { pattern: {}, kind: 'transient', why: 'unrecognised error: treated as temporary; the loop bounds the retries' },
];

function smtpMatches(p: SmtpPattern, f: SmtpFacts): boolean {
  if (p.reply && !(f.reply && p.reply.test(f.reply))) return false;
  if (p.text && !p.text.test(f.text)) return false;
  if (p.code && !f.codes.some((c) => p.code!.includes(c))) return false;
  return true;
}

/** The first SMTP row that matches (exported so tests and logs can show *why*). */
export function matchSmtpRule(facts: SmtpFacts): SmtpRule {
  // the last row matches everything
  return SMTP_RULES.find((rule) => smtpMatches(rule.pattern, facts))!;
}

/**
 * Classifies what nodemailer throws (or any network error).
 * `details.code` is the reply code and enhanced status ("550 5.1.1") when the server replied,
 * else the most specific error code (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, `ETIMEDOUT` …).
 */
export function classifySmtpError(error: unknown, context: ClassifyContext = {}): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const facts = smtpFacts(error);
  const rule = matchSmtpRule(facts);
  const message = rule.message ? rule.message(facts, context) : facts.reply || facts.text || rule.why;
  const code = facts.replyCode ? [String(facts.replyCode), facts.enhanced].filter(Boolean).join(' ') : mostSpecificCode(facts.codes);
  const retryAt = retryHint(facts.reply || facts.text, context.now ?? new Date());
  return new DeliveryError(rule.kind, message, {
    ...(code ? { code } : {}),
    ...(retryAt ? { retryAt } : {}),
    ...(facts.replyCode ? { replied: true } : {}),
    ...(code && (UNREACHABLE_CODES as readonly string[]).includes(code) ? { unreachable: true } : {}),
    ...(rule.kind === 'throttled' ? { limit: limitNamedBy(message) } : {}),
  });
}

/**
 * True for a `config` error that means "could not reach the server" (refused, unknown host,
 * no route) rather than a setting that is certainly wrong. On the first connect of a run it is a
 * configuration problem; once the run has delivered through this account, the send loop should
 * treat it as network loss (pause, exit 75) instead.
 */
export function isUnreachable(error: DeliveryError): boolean {
  return error.details.unreachable === true;
}

const connectionComplaint = /connection|concurren|thread limit|sessions?\b/i;

/** Which limit a throttling reply is about: the number of connections (concurrent requests), else the message rate. */
export function limitNamedBy(reply: string): ThrottledLimit {
  return connectionComplaint.test(reply) ? 'connections' : 'rate';
}

export interface HttpPattern {
  /** Matches when any reason is one of these. */
  reason?: readonly string[];
  /** Tested against the provider's message. */
  text?: RegExp;
  /** Matches the status code. */
  status?: (status: number) => boolean;
}

export interface HttpRule {
  pattern: HttpPattern;
  kind: DeliveryErrorKind;
  why: string;
  message?: (facts: HttpFacts, context: ClassifyContext) => string;
}

const relinkOAuth = (c: ClassifyContext): string =>
  c.provider === 'microsoft'
    ? `link the account again: mailshot accounts remove ${accountName(c)}, then mailshot accounts add microsoft ${accountName(c)} --client-id …`
    : c.provider === 'google'
      ? `link the account again: mailshot accounts remove ${accountName(c)}, then mailshot accounts add google ${accountName(c)} --client-id … (an OAuth app left in "Testing" status gets refresh tokens that expire after 7 days: set its publishing status to "In production" to keep them)`
      : `link the account again with mailshot accounts add google|microsoft ${accountName(c)} …`;
const providerSaid = (f: HttpFacts): string =>
  `${f.status}${f.reasons.length ? ` ${f.reasons[0]}` : ''}${f.text ? `: ${f.text}` : ''}`;

/** Checked top to bottom: provider reasons and messages first, the HTTP status second. */
const HTTP_RULES: readonly HttpRule[] = [
  // ── quota ──
  { pattern: { text: /\(Mail sending\)/ }, kind: 'quota', why: 'Gmail: the sending-limit form of the user-rate 429; it lasts hours, not seconds' },
  { pattern: { reason: ['dailyLimitExceeded', 'quotaExceeded'] }, kind: 'quota', why: 'Gmail: daily sending limit' },
  { pattern: { reason: ['ErrorExceededMessageLimit', 'ErrorQuotaExceeded', 'ErrorSubmissionQuotaExceeded'] }, kind: 'quota', why: 'Exchange Online: daily recipient / submission limit' },
  { pattern: { text: /SubmissionQuotaExceeded|5\.1\.90|daily limit for message recipients/i }, kind: 'quota', why: 'Exchange Online: daily limit given in the message text' },

  // ── throttled ──
  { pattern: { reason: ['rateLimitExceeded', 'userRateLimitExceeded', 'RATE_LIMIT_EXCEEDED'] }, kind: 'throttled', why: 'Gmail: per-user or per-project rate limit (403 or 429)' },
  { pattern: { text: /too many concurrent requests/i }, kind: 'throttled', why: 'Gmail: concurrent requests per user' },
  { pattern: { reason: ['TooManyRequests', 'ApplicationThrottled'] }, kind: 'throttled', why: 'Microsoft Graph throttling (429 with Retry-After)' },
  { pattern: { text: /MailboxConcurrency/i }, kind: 'throttled', why: 'Microsoft Graph: over 4 concurrent requests to one mailbox' },

  // ── auth and config ──
  {
    pattern: { reason: ['ErrorSendAsDenied'] },
    kind: 'config',
    why: 'Exchange: the mailbox may not send as the From address (every recipient would fail the same way)',
    message: (f) => `${providerSaid(f)}; the signed-in mailbox may not send as the campaign's from address: set "from" to the account's own address (see mailshot accounts list) or get Send As permission for it`,
  },
  {
    pattern: { reason: ['invalid_client', 'unauthorized_client'] },
    kind: 'config',
    why: 'OAuth client id/secret rejected',
    message: (f, c) => `the OAuth client was rejected (${providerSaid(f)}); check --client-id/--client-secret and ${relinkOAuth(c)}`,
  },
  {
    pattern: { reason: ['invalid_grant', 'InvalidAuthenticationToken', 'authError', 'insufficientPermissions', 'ACCESS_TOKEN_SCOPE_INSUFFICIENT', 'ErrorAccessDenied'] },
    kind: 'auth',
    why: 'refresh token revoked/expired (apps in "Testing" expire after 7 days), token invalid, or missing scope',
    message: (f, c) => `the account's authorisation is no longer valid (${providerSaid(f)}); ${relinkOAuth(c)}`,
  },
  {
    pattern: { status: (s) => s === 401 },
    kind: 'auth',
    why: '401: access token rejected',
    message: (f, c) => `the account's authorisation is no longer valid (${providerSaid(f)}); ${relinkOAuth(c)}`,
  },

  // ── by status ──
  { pattern: { status: (s) => s === 429 }, kind: 'throttled', why: 'HTTP 429 Too Many Requests' },
  { pattern: { status: (s) => s === 408 || s === 409 || s === 423 || s === 425 }, kind: 'transient', why: 'request timeout / conflict / locked: try again' },
  { pattern: { status: (s) => s >= 500 }, kind: 'transient', why: 'HTTP 5xx: the service failed; retry with backoff' },
  { pattern: { status: (s) => s >= 400 && s < 500 }, kind: 'permanent', why: 'other 4xx: this message or recipient was refused (bad MIME, invalid address, too large …)' },
  { pattern: {}, kind: 'transient', why: 'unrecognised response: treated as temporary; the loop bounds the retries' },
];

function httpMatches(p: HttpPattern, f: HttpFacts): boolean {
  if (p.reason && !f.reasons.some((r) => p.reason!.includes(r))) return false;
  if (p.text && !p.text.test(f.text)) return false;
  if (p.status && !p.status(f.status)) return false;
  return true;
}

function matchHttpRule(facts: HttpFacts): HttpRule {
  return HTTP_RULES.find((rule) => httpMatches(rule.pattern, facts))!;
}

/**
 * Classifies a Gmail API / Microsoft Graph / OAuth token endpoint error response.
 * `retryAt` is the later of the `Retry-After` header and a "Retry after <ISO time>" in the message.
 * `details.code` is "<status> <first reason>", e.g. "429 rateLimitExceeded".
 */
export function classifyHttpError(
  status: number,
  body: unknown,
  headers: Record<string, string | undefined> = {},
  context: ClassifyContext = {},
): DeliveryError {
  const facts = httpFacts(status, body);
  const rule = matchHttpRule(facts);
  const now = context.now ?? new Date();
  const retryAt = latestRetryTime(retryAfterHeader(headers), facts.text, now);
  const message = rule.message ? rule.message(facts, context) : providerSaid(facts);
  const code = [String(status), facts.reasons[0]].filter(Boolean).join(' ');
  return new DeliveryError(rule.kind, message, {
    code,
    replied: true,
    ...(retryAt ? { retryAt } : {}),
    ...(rule.kind === 'throttled' ? { limit: limitNamedBy(message) } : {}),
  });
}
