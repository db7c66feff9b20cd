/* eslint-disable max-lines -- the file is the two ordered rule tables (data) and their matcher, kept together */
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
 * (the providers' facts: docs/providers.md) and every one of them is checked by test/classify.test.ts.
 *
 * Parsing is elsewhere (smtp-reply.ts, http-error.ts, retry-after.ts) and so are the words of each
 * message (wording.ts, keyed by the id a rule names); this file, mostly the two tables, only decides. Every
 * decision about a reply is made here and carried on DeliveryError.details: the kind, whether the server
 * answered at all, whether it could not be reached, which limit a throttling reply names, the retry time.
 *
 * Connection refused and unknown host are `config`: on the first connect they almost always mean
 * a wrong `--host`/`--port`. The classifier cannot know whether this run already reached the server,
 * so it does not guess: `details.unreachable` tells the send loop that a `config` error is really
 * "could not reach the server", and the loop treats it as network loss once the run has delivered
 * something through this account.
 */
import { certificateCodes, unreachableCodes } from './error-codes.js';
import { httpFacts, retryAfterHeader, type HttpFacts } from './http-error.js';
import { latestRetryTime, retryHint } from './retry-after.js';
import { mostSpecificCode, smtpFacts, type SmtpFacts } from './smtp-reply.js';
import { DeliveryError, type DeliveryErrorKind, type ThrottledLimit } from './transport.js';
import { httpWording, providerSaid, smtpWording, type ClassifyContext, type HttpWording, type SmtpWording } from './wording.js';

// ─── SMTP ─────────────────────────────────────────────────────────────────────────────────────

export interface SmtpPattern {
  /** Tested against the whole one-line reply (`550 5.4.5 Daily user …`). Requires a reply. */
  reply?: RegExp;
  /** Tested against the reply text, or the error message when there is no reply. */
  text?: RegExp;
  /** Matches when any of the error's codes is one of these. */
  code?: readonly string[];
  /** Tested against the SMTP command that was answered (`RCPT TO`, `DATA` …). */
  command?: RegExp;
}

/** A throttling row names the limit the reply is about (only that limit moves); no other row names one. */
type KindAndLimit = { kind: 'throttled'; limit: ThrottledLimit } | { kind: Exclude<DeliveryErrorKind, 'throttled'>; limit?: never };

export type SmtpRule = KindAndLimit & {
  pattern: SmtpPattern;
  why: string;
  /** The wording of the message (wording.ts); without it, the server's reply or the error message. */
  message?: SmtpWording;
  /** A temporary refusal of this recipient only: it waits, the account's limits stay. */
  recipientOnly?: true;
};

/** Reply text that names the number of connections (sessions, concurrent requests) the server takes. */
const CONNECTIONS =
  /too many (?:connections|concurrent|simultaneous|sessions)|concurrent (?:connections|sessions|smtp)|connection (?:limit|rate)|sender thread limit|too many login attempts/i;

/** Reply text that names the message rate (messages or recipients per time) the server takes from this sender. */
const MESSAGE_RATE =
  /too much mail|too many (?:messages|mails|recipients from)|rate limit|ratelimit|rate exceeded|sending rate|message rate|sender rate|sending too fast|throttling failure/i;

/**
 * Reply text about one recipient: greylisting (postgrey, Postfix policy services, Exim's greylistd, rspamd's
 * default "Try again later"), a full mailbox, a recipient who receives too quickly.
 */
const ONE_RECIPIENT =
  /gr[ae]y-?list|not yet authori[sz]ed to deliver mail|mailbox (?:is )?full|over quota|receiving (?:e-?mail|mail|messages) too quickly|^try again later\.?$/i;

const CERTIFICATE_TEXT = /certificate|self[- ]signed|unable to verify|altnames|issuer/i;

/** Checked top to bottom; the first match decides. */
const SMTP_RULES: readonly SmtpRule[] = [
  // ── quota: pause the whole account (before any generic 5xx row) ──
  { pattern: { reply: /^550 5\.4\.5\b/ }, kind: 'quota', why: 'Gmail: daily user sending / SMTP relay limit exceeded' },
  {
    pattern: { reply: /^554 5\.2\.0\b/, text: /QuotaExceeded/i },
    kind: 'quota',
    why: 'Exchange Online: SubmissionQuotaExceededException (daily submission quota)',
  },
  { pattern: { reply: /^550 5\.1\.90\b/ }, kind: 'quota', why: 'Exchange Online: daily limit for message recipients reached' },

  // ── authentication ──
  {
    pattern: { reply: /^535 5\.7\.139\b/ },
    kind: 'auth',
    why: 'Microsoft 365: basic authentication (SMTP AUTH) is disabled for this tenant or mailbox',
    message: 'smtp-auth-disabled',
  },
  {
    pattern: { reply: /^534 5\.7\.9\b/ },
    kind: 'auth',
    why: 'Gmail: an app password is required (2-Step Verification is on)',
    message: 'app-password',
  },
  {
    pattern: { reply: /^53[045]\b/ },
    kind: 'auth',
    why: '530 authentication required, 534 mechanism too weak / web login required, 535 credentials rejected',
    message: 'auth-failed',
  },

  // ── STARTTLS refused or not offered: the account requires TLS, so the password was not sent ──
  {
    pattern: { code: ['ETLS'], reply: /^[45]\d\d\b/ },
    kind: 'config',
    why: 'the server answered STARTTLS with an error (it does not offer it, or cannot start TLS now)',
    message: 'starttls-refused',
  },

  // ── about one recipient (before the throttling rows): defer it; the account's limits stay as they are ──
  {
    pattern: { reply: /^4\d\d\b/, text: ONE_RECIPIENT },
    kind: 'transient',
    recipientOnly: true,
    why: 'greylisting, a full mailbox, a recipient receiving too quickly: this recipient waits, nothing else slows down',
  },

  // ── throttling: only a reply that names a limit moves it ──
  {
    pattern: { reply: /^4\d\d\b/, text: CONNECTIONS },
    kind: 'throttled',
    limit: 'connections',
    why: 'too many connections or sessions at once (Postfix anvil 421, "concurrent connections", "sender thread limit")',
  },
  { pattern: { reply: /^432 4\.3\.2\b/ }, kind: 'throttled', limit: 'connections', why: 'Exchange Online: concurrent connections limit' },
  {
    pattern: { reply: /^421 4\.7\.28\b/ },
    kind: 'throttled',
    limit: 'rate',
    why: 'Gmail: too many messages with the same Message-ID (IDs must be unique per message)',
  },
  {
    pattern: { reply: /^4\d\d\b/, text: MESSAGE_RATE },
    kind: 'throttled',
    limit: 'rate',
    why: 'too much mail, too many messages or recipients per time, a rate limit (Postfix anvil 450 4.7.1, SES 454)',
  },

  // ── other temporary replies ──
  {
    pattern: { reply: /^452 4\.5\.3\b/ },
    kind: 'transient',
    why: 'too many recipients in this transaction; a later, smaller one will pass',
  },
  {
    pattern: { reply: /^4\d\d\b/, command: /^RCPT\b/ },
    kind: 'transient',
    recipientOnly: true,
    why: 'any other 4xx to RCPT TO ("try again later", a lookup failure for its domain) is about that recipient',
  },
  {
    pattern: { reply: /^4\d\d\b/ },
    kind: 'transient',
    why: 'RFC 5321 4yz: temporary failure ("try again later", "server busy"); retried with backoff, no limit moves',
  },
  {
    pattern: { reply: /^503\b/ },
    kind: 'transient',
    why: '503 bad sequence of commands: the session was out of step; a new connection can succeed',
  },

  // ── authentication failures without a 53x reply (missing credentials, 5xx to AUTH, OAuth2) ──
  {
    pattern: { code: ['EAUTH', 'ENOAUTH', 'EOAUTH2'] },
    kind: 'auth',
    why: 'nodemailer could not authenticate',
    message: 'auth-failed',
  },

  // ── permanent, for this recipient or this message ──
  { pattern: { reply: /^550 5\.7\.1\b/, text: /Message-ID/i }, kind: 'permanent', why: 'Gmail: message without a valid Message-ID header' },
  {
    pattern: { reply: /^5\d\d\b/ },
    kind: 'permanent',
    why: 'RFC 5321 5yz: do not repeat this request (user unknown, mailbox name not allowed, content refused …)',
  },

  // ── no reply: the connection itself ──
  {
    pattern: { code: certificateCodes },
    kind: 'config',
    why: 'the server certificate is not trusted (self-signed, expired, wrong host name)',
    message: 'untrusted-certificate',
  },
  {
    pattern: { code: ['ETLS', 'ESOCKET'], text: CERTIFICATE_TEXT },
    kind: 'config',
    why: 'certificate rejected during STARTTLS or the implicit TLS handshake',
    message: 'untrusted-certificate',
  },
  {
    pattern: { code: ['ETLS', 'EREQUIRETLS', 'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO'] },
    kind: 'config',
    why: 'TLS could not be set up: usually --security does not match the port (tls is 465, starttls is 587)',
    message: 'tls-mismatch',
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
    message: 'unknown-host',
  },
  {
    pattern: { code: ['ECONNREFUSED'] },
    kind: 'config',
    why: 'nothing listens on that host and port (a caller that already delivered in this run treats it as network loss: isUnreachable)',
    message: 'connection-refused',
  },
  {
    pattern: { code: ['ETIMEDOUT'], text: /greeting never received/i },
    kind: 'transient',
    why: 'connected but no greeting: a slow server, or a plain client on an implicit-TLS port',
    message: 'no-greeting',
  },
  {
    pattern: {
      code: [
        'ECONNRESET',
        'EPIPE',
        'ECONNABORTED',
        'EHOSTUNREACH',
        'ENETUNREACH',
        'ENETDOWN',
        'ETIMEDOUT',
        'ECONNECTION',
        'ESOCKET',
        'EPROTOCOL',
        'EMAXLIMIT',
        'EABORT',
        'ESTREAM',
      ],
    },
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
  if (p.command && !p.command.test(f.command)) return false;
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
  const message = rule.message ? smtpWording[rule.message](facts, context) : facts.reply || facts.text || rule.why;
  const code = facts.replyCode ? [String(facts.replyCode), facts.enhanced].filter(Boolean).join(' ') : mostSpecificCode(facts.codes);
  const retryAt = retryHint(facts.reply || facts.text, context.now ?? new Date());
  return new DeliveryError(rule.kind, message, {
    ...(code ? { code } : {}),
    ...(retryAt ? { retryAt } : {}),
    ...(facts.replyCode ? { replied: true } : {}),
    ...(code && unreachableCodes.includes(code) ? { unreachable: true } : {}),
    ...(rule.limit ? { limit: rule.limit } : {}),
    ...(rule.recipientOnly ? { recipientOnly: true } : {}),
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

export interface HttpPattern {
  /** Matches when any reason is one of these. */
  reason?: readonly string[];
  /** Tested against the provider's message. */
  text?: RegExp;
  /** Matches the status code. */
  status?: (status: number) => boolean;
}

export type HttpRule = KindAndLimit & {
  pattern: HttpPattern;
  why: string;
  /** The wording of the message (wording.ts); without it, the provider's status, reason and message. */
  message?: HttpWording;
};

/** Checked top to bottom: provider reasons and messages first, the HTTP status second. */
const HTTP_RULES: readonly HttpRule[] = [
  // ── quota ──
  {
    pattern: { text: /\(Mail sending\)/ },
    kind: 'quota',
    why: 'Gmail: the sending-limit form of the user-rate 429; it lasts hours, not seconds',
  },
  { pattern: { reason: ['dailyLimitExceeded', 'quotaExceeded'] }, kind: 'quota', why: 'Gmail: daily sending limit' },
  {
    pattern: { reason: ['ErrorExceededMessageLimit', 'ErrorQuotaExceeded', 'ErrorSubmissionQuotaExceeded'] },
    kind: 'quota',
    why: 'Exchange Online: daily recipient / submission limit',
  },
  {
    pattern: { text: /SubmissionQuotaExceeded|5\.1\.90|daily limit for message recipients/i },
    kind: 'quota',
    why: 'Exchange Online: daily limit given in the message text',
  },

  // ── throttled: the concurrency rows first (Gmail sends them with the rate reasons) ──
  {
    pattern: { text: /too many concurrent requests/i },
    kind: 'throttled',
    limit: 'connections',
    why: 'Gmail: concurrent requests per user',
  },
  {
    pattern: { text: /MailboxConcurrency/i },
    kind: 'throttled',
    limit: 'connections',
    why: 'Microsoft Graph: over 4 concurrent requests to one mailbox',
  },
  {
    pattern: { reason: ['rateLimitExceeded', 'userRateLimitExceeded', 'RATE_LIMIT_EXCEEDED'] },
    kind: 'throttled',
    limit: 'rate',
    why: 'Gmail: per-user or per-project rate limit (403 or 429)',
  },
  {
    pattern: { reason: ['TooManyRequests', 'ApplicationThrottled'] },
    kind: 'throttled',
    limit: 'rate',
    why: 'Microsoft Graph throttling (429 with Retry-After)',
  },

  // ── auth and config ──
  {
    pattern: { reason: ['ErrorSendAsDenied'] },
    kind: 'config',
    why: 'Exchange: the mailbox may not send as the From address (every recipient would fail the same way)',
    message: 'send-as-denied',
  },
  {
    pattern: { reason: ['invalid_client', 'unauthorized_client'] },
    kind: 'config',
    why: 'OAuth client id/secret rejected',
    message: 'oauth-client-rejected',
  },
  {
    pattern: {
      reason: [
        'invalid_grant',
        'InvalidAuthenticationToken',
        'authError',
        'insufficientPermissions',
        'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
        'ErrorAccessDenied',
      ],
    },
    kind: 'auth',
    why: 'refresh token revoked/expired (apps in "Testing" expire after 7 days), token invalid, or missing scope',
    message: 'grant-revoked',
  },
  {
    pattern: { status: (s) => s === 401 },
    kind: 'auth',
    why: '401: access token rejected',
    message: 'grant-revoked',
  },

  // ── by status ──
  { pattern: { status: (s) => s === 429 }, kind: 'throttled', limit: 'rate', why: 'HTTP 429 Too Many Requests' },
  {
    pattern: { status: (s) => s === 408 || s === 409 || s === 423 || s === 425 },
    kind: 'transient',
    why: 'request timeout / conflict / locked: try again',
  },
  { pattern: { status: (s) => s >= 500 }, kind: 'transient', why: 'HTTP 5xx: the service failed; retry with backoff' },
  {
    pattern: { status: (s) => s >= 400 && s < 500 },
    kind: 'permanent',
    why: 'other 4xx: this message or recipient was refused (bad MIME, invalid address, too large …)',
  },
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
  const message = rule.message ? httpWording[rule.message](facts, context) : providerSaid(facts);
  const code = [String(status), facts.reasons[0]].filter(Boolean).join(' ');
  return new DeliveryError(rule.kind, message, {
    code,
    replied: true,
    ...(retryAt ? { retryAt } : {}),
    ...(rule.limit ? { limit: rule.limit } : {}),
  });
}
