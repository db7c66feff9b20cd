/**
 * A local stand-in for Google: the OAuth authorization and token endpoints and the Gmail API calls
 * mailshot makes, over plain HTTP on 127.0.0.1, speaking what google-auth-library and @googleapis/gmail
 * send and answering with Google's real bodies (docs/providers.md, "Gmail API"). It enforces what Google
 * enforces — PKCE and the client secret at the token endpoint, scopes, per-user quota units per window
 * (send 100, list 5), requests at once per user, a rolling daily cap — and records every message it
 * accepted, so a test can assert "every recipient exactly once".
 *
 *   const google = await startGmailSimulator({ quota: { units: 500, windowMs: 1000 } });
 *   … run mailshot with { ...google.env } …
 *   expect(google.accepted.map((m) => m.messageId)).toEqual([...]);
 *   expect(google.stats.refreshes).toBe(1);
 *   await google.close();
 *
 * A test plays the browser: GET the authorization address mailshot prints (no redirect following), and
 * the `location` of the 302 is the loopback address with `code` and `state` (or `error=access_denied`).
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { allRecipients, headerRecipients, type HeaderRecipients } from './mime-recipients.js';

export const googleScope = (name: string): string => `https://www.googleapis.com/auth/${name}`;

export interface GmailSimulatorOptions {
  /** The person's own OAuth client; another id or secret is refused. */
  client?: { id: string; secret: string };
  /** The Google account that signs in. Default `sender@example.com`. */
  address?: string;
  /** What the person does on the consent screen. Default 'allow'. */
  consent?: 'allow' | 'deny';
  /** Scopes the person unticks on the consent screen (full scope URLs). */
  withheldScopes?: string[];
  /** `expires_in` of access tokens. Default 3599, as Google. */
  accessTokenSeconds?: number;
  /** Each refresh also returns a new refresh token, and the old one stops working. */
  rotateRefreshTokens?: boolean;
  /** Delay before the token endpoint answers. */
  tokenLatencyMs?: number;
  /** Delay before a Gmail API request is answered; the request counts as in flight meanwhile. */
  apiLatencyMs?: number;
  /** Per-user quota: `units` per sliding `windowMs` (Gmail: 15,000 a minute). Default that. */
  quota?: { units: number; windowMs: number };
  /** How an exhausted quota is refused: 429 "User-rate limit exceeded.  Retry after <ISO>" (default), 429 rateLimitExceeded, or 403 userRateLimitExceeded. */
  throttleAnswer?: 'retry-after' | '429' | '403';
  /** Requests at once per user; one more gets 429 "Too many concurrent requests for user". Default 10. */
  maxConcurrent?: number;
  /** Recipients per rolling window (every To, Cc and Bcc address counts, as Google counts), and how the message that would pass it is refused: the 429 "(Mail sending)" form with its "Retry after", or 403 dailyLimitExceeded. Default 2,000 a day. */
  dailyCap?: { messages: number; windowMs: number; answer?: 'mail-sending' | 'dailyLimitExceeded' };
  /** After this many accepted sends, every access token issued so far stops working (401), as when Google ends tokens early. */
  expireTokensAfterSends?: number;
  /** Runs after a send was recorded, before it is answered: a test can kill the sender here. */
  beforeAnswer?: (message: AcceptedMessage) => void | Promise<void>;
}

export interface AcceptedMessage {
  id: string;
  raw: Buffer;
  /** The Message-ID header, with its angle brackets. */
  messageId: string;
  /** `json`: `{"raw": base64url}` to messages/send; `media`: the upload endpoint. */
  route: 'json' | 'media';
  /** Who Gmail sends it to: every address in To, Cc and Bcc. */
  recipients: HeaderRecipients;
}

export interface GmailSimulatorStats {
  codeExchanges: number;
  refreshes: number;
  /** Gmail API requests refused with 401. */
  unauthorized: number;
  /** Refused for the per-user quota. */
  throttled: number;
  /** Refused for too many requests at once. */
  concurrent: number;
  /** Refused for the daily cap. */
  dailyCapped: number;
  lookups: number;
  peakConcurrent: number;
}

export interface GmailSimulator {
  url: string;
  /** The variables that point mailshot at this simulator. */
  env: { MAILSHOT_GOOGLE_AUTH_URL: string; MAILSHOT_GOOGLE_TOKEN_URL: string; MAILSHOT_GMAIL_API_URL: string };
  client: { id: string; secret: string };
  /** Read at every request: a test may change them between runs. */
  options: GmailSimulatorOptions;
  accepted: AcceptedMessage[];
  /** Messages that arrived in the mailbox (bounces, reports, replies), oldest first; `label` SPAM for those Gmail filed as spam. */
  inbox: { id: string; raw: Buffer; internalDate: number; label?: 'SPAM' }[];
  /** A message arrives in the INBOX (as mail from outside would). */
  deliverToInbox(raw: Buffer, at?: Date): void;
  /** A message arrives and Gmail files it as spam: not in `in:inbox`, found by `in:anywhere`. */
  deliverToSpam(raw: Buffer): void;
  stats: GmailSimulatorStats;
  /** Refresh tokens that work now (a test checks which one mailshot stored). */
  liveRefreshTokens(): string[];
  /** Every grant ends (the person removed the app's access, or a "Testing" app's token aged out): refresh gets invalid_grant. */
  revokeGrants(): void;
  /** Every access token issued so far stops working. */
  expireAccessTokens(): void;
  close(): Promise<void>;
}

const sendScopes = [googleScope('gmail.send'), googleScope('gmail.compose'), googleScope('gmail.modify'), 'https://mail.google.com/'];
const readScopes = [googleScope('gmail.readonly'), googleScope('gmail.modify'), 'https://mail.google.com/'];

interface PendingCode {
  redirectUri: string;
  challenge: string;
  scopes: string[];
}

interface AccessToken {
  scopes: string[];
  expiresAt: number;
  valid: boolean;
}

export async function startGmailSimulator(options: GmailSimulatorOptions = {}): Promise<GmailSimulator> {
  const client = options.client ?? { id: '123456789012-mailshottest.apps.googleusercontent.com', secret: 'GOCSPX-simulated-client-secret' };
  const codes = new Map<string, PendingCode>();
  const grants = new Map<string, { scopes: string[]; live: boolean }>();
  const accessTokens = new Map<string, AccessToken>();
  const quotaLog: { at: number; units: number }[] = [];
  const sendLog: number[] = [];
  const accepted: AcceptedMessage[] = [];
  const inbox: GmailSimulator['inbox'] = [];
  const stats: GmailSimulatorStats = {
    codeExchanges: 0,
    refreshes: 0,
    unauthorized: 0,
    throttled: 0,
    concurrent: 0,
    dailyCapped: 0,
    lookups: 0,
    peakConcurrent: 0,
  };
  let inFlight = 0;
  let tokensExpiredAfterSends = false;
  const simulator = { options } as GmailSimulator;
  const address = () => simulator.options.address ?? 'sender@example.com';

  const issueAccessToken = (scopes: string[]) => {
    const token = `ya29.${random(32)}`;
    const seconds = simulator.options.accessTokenSeconds ?? 3599;
    accessTokens.set(token, { scopes, expiresAt: Date.now() + seconds * 1000, valid: true });
    return {
      access_token: token,
      expires_in: seconds,
      scope: scopes.join(' '),
      token_type: 'Bearer',
      ...(scopes.includes('openid') ? { id_token: idToken(client.id, address()) } : {}),
    };
  };

  // ── OAuth ──

  const authorize = (url: URL, response: http.ServerResponse) => {
    const q = url.searchParams;
    if (q.get('client_id') !== client.id) return text(response, 401, 'Error 401: invalid_client\nThe OAuth client was not found.');
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+(\/|$)/.test(redirectUri))
      return text(response, 400, 'Error 400: redirect_uri_mismatch');
    if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge'))
      return text(response, 400, 'Error 400: invalid_request');
    const location = new URL(redirectUri);
    const state = q.get('state');
    if (state !== null) location.searchParams.set('state', state);
    if ((simulator.options.consent ?? 'allow') === 'deny') {
      location.searchParams.set('error', 'access_denied');
    } else {
      const scopes = (q.get('scope') ?? '')
        .split(' ')
        .filter(Boolean)
        .map((scope) => (scope === 'email' ? googleScope('userinfo.email') : scope))
        .filter((scope) => !(simulator.options.withheldScopes ?? []).includes(scope));
      const code = `4/0A${random(40)}`;
      codes.set(code, { redirectUri, challenge: q.get('code_challenge')!, scopes });
      location.searchParams.set('code', code);
      location.searchParams.set('scope', scopes.join(' '));
    }
    response.writeHead(302, { location: location.href }).end();
  };

  const token = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    const form = new URLSearchParams((await body(request)).toString('utf8'));
    await sleep(simulator.options.tokenLatencyMs ?? 0);
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '');
    const [id, secret] = basic
      ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')
      : [form.get('client_id'), form.get('client_secret')];
    if (id !== client.id || secret !== client.secret)
      return json(response, 401, { error: 'invalid_client', error_description: 'Unauthorized' });
    if (form.get('grant_type') === 'authorization_code') {
      const pending = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!pending) return json(response, 400, { error: 'invalid_grant', error_description: 'Malformed auth code.' });
      if (form.get('redirect_uri') !== pending.redirectUri)
        return json(response, 400, { error: 'redirect_uri_mismatch', error_description: 'Bad Request' });
      if (
        createHash('sha256')
          .update(form.get('code_verifier') ?? '')
          .digest('base64url') !== pending.challenge
      ) {
        return json(response, 400, { error: 'invalid_grant', error_description: 'Invalid code verifier.' });
      }
      stats.codeExchanges++;
      const refreshToken = `1//0g${random(40)}`;
      grants.set(refreshToken, { scopes: pending.scopes, live: true });
      return json(response, 200, { ...issueAccessToken(pending.scopes), refresh_token: refreshToken, refresh_token_expires_in: 604799 });
    }
    if (form.get('grant_type') === 'refresh_token') {
      const grant = grants.get(form.get('refresh_token') ?? '');
      if (!grant?.live) return json(response, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      stats.refreshes++;
      if (!simulator.options.rotateRefreshTokens) return json(response, 200, issueAccessToken(grant.scopes));
      grant.live = false;
      const refreshToken = `1//0g${random(40)}`;
      grants.set(refreshToken, { scopes: grant.scopes, live: true });
      return json(response, 200, { ...issueAccessToken(grant.scopes), refresh_token: refreshToken });
    }
    return json(response, 400, { error: 'unsupported_grant_type', error_description: `Invalid grant_type: ${form.get('grant_type')}` });
  };

  // ── Gmail API ──

  /** The bearer token's scopes, or undefined after answering 401 as Gmail does. */
  const authenticated = (request: http.IncomingMessage, response: http.ServerResponse): string[] | undefined => {
    const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const access = bearer ? accessTokens.get(bearer) : undefined;
    if (access?.valid && access.expiresAt > Date.now()) return access.scopes;
    stats.unauthorized++;
    json(response, 401, unauthenticatedBody, { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' });
    return undefined;
  };

  /** Takes quota units, or answers the per-user rate refusal. */
  const charge = (units: number, response: http.ServerResponse): boolean => {
    const { units: limit, windowMs } = simulator.options.quota ?? { units: 15_000, windowMs: 60_000 };
    const now = Date.now();
    while (quotaLog.length && quotaLog[0]!.at <= now - windowMs) quotaLog.shift();
    let used = quotaLog.reduce((sum, entry) => sum + entry.units, 0);
    if (used + units <= limit) {
      quotaLog.push({ at: now, units });
      return true;
    }
    stats.throttled++;
    let freeAt = now;
    for (const entry of quotaLog) {
      used -= entry.units;
      freeAt = entry.at + windowMs;
      if (used + units <= limit) break;
    }
    const answer = simulator.options.throttleAnswer ?? 'retry-after';
    if (answer === '403')
      json(response, 403, googleError(403, 'PERMISSION_DENIED', 'usageLimits', 'userRateLimitExceeded', 'User Rate Limit Exceeded'));
    else if (answer === '429')
      json(response, 429, googleError(429, 'RESOURCE_EXHAUSTED', 'usageLimits', 'rateLimitExceeded', 'Rate Limit Exceeded'));
    else
      json(
        response,
        429,
        googleError(
          429,
          'RESOURCE_EXHAUSTED',
          'usageLimits',
          'userRateLimitExceeded',
          `User-rate limit exceeded.  Retry after ${new Date(freeAt).toISOString()}`,
        ),
      );
    return false;
  };

  /** Room under the daily cap, or the refusal Google gives once it is reached. */
  const underDailyCap = (response: http.ServerResponse, recipients: number): boolean => {
    const { messages, windowMs, answer } = simulator.options.dailyCap ?? { messages: 2000, windowMs: 86_400_000 };
    const now = Date.now();
    while (sendLog.length && sendLog[0]! <= now - windowMs) sendLog.shift();
    if (sendLog.length + recipients <= messages) return true;
    stats.dailyCapped++;
    const retryAt = new Date(sendLog[0]! + windowMs).toISOString();
    if (answer === 'dailyLimitExceeded')
      json(response, 403, googleError(403, 'PERMISSION_DENIED', 'usageLimits', 'dailyLimitExceeded', 'Daily Limit Exceeded'));
    else
      json(
        response,
        429,
        googleError(
          429,
          'RESOURCE_EXHAUSTED',
          'usageLimits',
          'userRateLimitExceeded',
          `User-rate limit exceeded.  Retry after ${retryAt} (Mail sending)`,
        ),
      );
    return false;
  };

  const send = async (
    route: 'json' | 'media',
    url: URL,
    request: http.IncomingMessage,
    response: http.ServerResponse,
    scopes: string[],
  ) => {
    const payload = await body(request);
    if (!scopes.some((scope) => sendScopes.includes(scope))) return json(response, 403, insufficientScopesBody);
    if (!charge(100, response)) return;
    let raw: Buffer;
    if (route === 'media') {
      if (url.searchParams.get('uploadType') !== 'media')
        return json(
          response,
          400,
          googleError(400, 'INVALID_ARGUMENT', 'global', 'badRequest', 'The simulator takes uploadType=media only.'),
        );
      const type = request.headers['content-type'] ?? '';
      if (!type.startsWith('message/'))
        return json(
          response,
          400,
          googleError(
            400,
            'INVALID_ARGUMENT',
            'global',
            'badContent',
            `Media type '${type}' is not supported. Valid media types: [message/*]`,
          ),
        );
      raw = payload;
    } else {
      let message: { raw?: unknown };
      try {
        message = JSON.parse(payload.toString('utf8')) as { raw?: unknown };
      } catch {
        return json(response, 400, googleError(400, 'INVALID_ARGUMENT', 'global', 'parseError', 'Invalid JSON payload received.'));
      }
      if (typeof message.raw !== 'string' || !message.raw) {
        return json(
          response,
          400,
          googleError(
            400,
            'INVALID_ARGUMENT',
            'global',
            'invalidArgument',
            "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
          ),
        );
      }
      raw = Buffer.from(message.raw, 'base64url');
    }
    const messageId = headerOf(raw, 'message-id');
    if (!messageId)
      return json(response, 400, googleError(400, 'INVALID_ARGUMENT', 'global', 'invalidArgument', 'Invalid Message-ID header'));
    const recipients = headerRecipients(raw);
    if (!allRecipients(recipients).length)
      return json(response, 400, googleError(400, 'INVALID_ARGUMENT', 'global', 'invalidArgument', 'Recipient address required'));
    if (!underDailyCap(response, allRecipients(recipients).length)) return;
    const id = random(8, 'hex');
    const message: AcceptedMessage = { id, raw, messageId, route, recipients };
    accepted.push(message);
    for (let count = allRecipients(recipients).length, now = Date.now(); count > 0; count--) sendLog.push(now);
    const expireAfter = simulator.options.expireTokensAfterSends;
    if (expireAfter !== undefined && !tokensExpiredAfterSends && accepted.length >= expireAfter) {
      tokensExpiredAfterSends = true;
      simulator.expireAccessTokens();
    }
    await simulator.options.beforeAnswer?.(message);
    json(response, 200, { id, threadId: id, labelIds: ['SENT'] });
  };

  const list = (url: URL, response: http.ServerResponse, scopes: string[]) => {
    const q = url.searchParams.get('q');
    if (!scopes.some((scope) => readScopes.includes(scope))) {
      if (q && scopes.includes(googleScope('gmail.metadata'))) {
        return json(
          response,
          403,
          googleError(403, 'PERMISSION_DENIED', 'global', 'forbidden', "Metadata scope does not support 'q' parameter"),
        );
      }
      return json(response, 403, insufficientScopesBody);
    }
    if (!charge(5, response)) return;
    if (/\bin:inbox\b/.test(q ?? '')) return listInbox(q!, url, response);
    if (/\bin:anywhere\b/.test(q ?? '')) return listAnywhere(q!, response);
    stats.lookups++;
    let found = accepted;
    for (const term of (q ?? '').split(/\s+/).filter(Boolean)) {
      const [operator, value = ''] = term.split(/:(.*)/s);
      if (operator === 'rfc822msgid') found = found.filter((message) => message.messageId === `<${value.replace(/^<|>$/g, '')}>`);
      else if (!(operator === 'in' && value === 'sent'))
        return json(
          response,
          400,
          googleError(400, 'INVALID_ARGUMENT', 'global', 'invalidArgument', `The simulator does not know the search term "${term}"`),
        );
    }
    const max = Number(url.searchParams.get('maxResults') ?? 100);
    const messages = found
      .slice(-max)
      .reverse()
      .map((message) => ({ id: message.id, threadId: message.id }));
    json(response, 200, messages.length ? { messages, resultSizeEstimate: messages.length } : { resultSizeEstimate: 0 });
  };

  /** `in:inbox after:EPOCH`: newest first, `maxResults` per page (at most 500), `nextPageToken` while more remain. */
  const listInbox = (q: string, url: URL, response: http.ServerResponse) => {
    let found = inbox.filter((message) => !message.label).reverse();
    for (const term of q.split(/\s+/).filter(Boolean)) {
      const [operator, value = ''] = term.split(/:(.*)/s);
      if (operator === 'after') found = found.filter((message) => message.internalDate > Number(value) * 1000);
      else if (!(operator === 'in' && value === 'inbox'))
        return json(
          response,
          400,
          googleError(400, 'INVALID_ARGUMENT', 'global', 'invalidArgument', `The simulator does not know the search term "${term}"`),
        );
    }
    const max = Math.min(500, Number(url.searchParams.get('maxResults') ?? 100));
    const offset = Number(url.searchParams.get('pageToken') ?? 0);
    const page = found.slice(offset, offset + max).map((message) => ({ id: message.id, threadId: message.id }));
    const more = offset + max < found.length;
    json(response, 200, {
      ...(page.length ? { messages: page } : {}),
      ...(more ? { nextPageToken: String(offset + max) } : {}),
      resultSizeEstimate: found.length,
    });
  };

  /** `in:anywhere rfc822msgid:ID`: the received messages with that Message-ID, spam included. */
  const listAnywhere = (q: string, response: http.ServerResponse) => {
    let found = [...inbox];
    for (const term of q.split(/\s+/).filter(Boolean)) {
      const [operator, value = ''] = term.split(/:(.*)/s);
      if (operator === 'rfc822msgid')
        found = found.filter((message) => headerOf(message.raw, 'message-id') === `<${value.replace(/^<|>$/g, '')}>`);
      else if (!(operator === 'in' && value === 'anywhere'))
        return json(
          response,
          400,
          googleError(400, 'INVALID_ARGUMENT', 'global', 'invalidArgument', `The simulator does not know the search term "${term}"`),
        );
    }
    const messages = found.map((message) => ({ id: message.id, threadId: message.id }));
    json(response, 200, messages.length ? { messages, resultSizeEstimate: messages.length } : { resultSizeEstimate: 0 });
  };

  /** `messages.get` with `format=raw`: the message as base64url, with Gmail's fields around it. */
  const getMessage = (id: string, url: URL, response: http.ServerResponse, scopes: string[]) => {
    if (!scopes.some((scope) => readScopes.includes(scope))) return json(response, 403, insufficientScopesBody);
    if (!charge(5, response)) return;
    const message = inbox.find((entry) => entry.id === id);
    if (!message) return json(response, 404, googleError(404, 'NOT_FOUND', 'global', 'notFound', 'Requested entity was not found.'));
    if (url.searchParams.get('format') !== 'raw')
      return json(response, 400, googleError(400, 'INVALID_ARGUMENT', 'global', 'invalidArgument', 'The simulator serves format=raw only'));
    json(response, 200, {
      id,
      threadId: id,
      labelIds: [message.label ?? 'INBOX', 'UNREAD'],
      snippet: '',
      sizeEstimate: message.raw.length,
      historyId: '4242',
      internalDate: String(message.internalDate),
      raw: message.raw.toString('base64url'),
    });
  };

  const gmailApi = async (url: URL, request: http.IncomingMessage, response: http.ServerResponse) => {
    const route = url.pathname.startsWith('/upload/') ? 'media' : 'json';
    const one = /^\/gmail\/v1\/users\/([^/]+)\/messages\/(?!send$)([^/]+)$/.exec(url.pathname);
    const users = /^(?:\/upload)?\/gmail\/v1\/users\/([^/]+)\/messages(\/send)?$/.exec(url.pathname) ?? one;
    const limit = simulator.options.maxConcurrent ?? 10;
    if (inFlight >= limit) {
      stats.concurrent++;
      return json(
        response,
        429,
        googleError(429, 'RESOURCE_EXHAUSTED', 'usageLimits', 'rateLimitExceeded', 'Too many concurrent requests for user'),
      );
    }
    inFlight++;
    stats.peakConcurrent = Math.max(stats.peakConcurrent, inFlight);
    try {
      // The token is checked when the request is handled: a token that ends meanwhile fails every request in flight.
      await sleep(simulator.options.apiLatencyMs ?? 0);
      const scopes = authenticated(request, response);
      if (!scopes) return;
      if (!users || (users[1] !== 'me' && decodeURIComponent(users[1]!) !== address())) {
        return json(response, 404, googleError(404, 'NOT_FOUND', 'global', 'notFound', 'Requested entity was not found.'));
      }
      if (one && request.method === 'GET') getMessage(decodeURIComponent(one[2]!), url, response, scopes);
      else if (users[2] && request.method === 'POST') await send(route, url, request, response, scopes);
      else if (!users[2] && request.method === 'GET' && route === 'json') list(url, response, scopes);
      else json(response, 405, googleError(405, 'METHOD_NOT_ALLOWED', 'global', 'methodNotAllowed', 'Method not allowed'));
    } finally {
      inFlight--;
    }
  };

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const handled =
      request.method === 'GET' && url.pathname === '/o/oauth2/v2/auth'
        ? Promise.resolve(authorize(url, response))
        : request.method === 'POST' && url.pathname === '/token'
          ? token(request, response)
          : url.pathname.startsWith('/gmail/') || url.pathname.startsWith('/upload/gmail/')
            ? gmailApi(url, request, response)
            : Promise.resolve(
                json(response, 404, googleError(404, 'NOT_FOUND', 'global', 'notFound', `The simulator does not serve ${url.pathname}`)),
              );
    handled.catch((error: unknown) => {
      if (!response.headersSent)
        json(response, 500, googleError(500, 'INTERNAL', 'global', 'backendError', `simulator: ${(error as Error).message}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(simulator, {
    url,
    env: {
      MAILSHOT_GOOGLE_AUTH_URL: `${url}/o/oauth2/v2/auth`,
      MAILSHOT_GOOGLE_TOKEN_URL: `${url}/token`,
      MAILSHOT_GMAIL_API_URL: `${url}/`,
    },
    client,
    accepted,
    inbox,
    deliverToInbox: (raw: Buffer, at = new Date()) => inbox.push({ id: random(8, 'hex'), raw, internalDate: at.getTime() }),
    deliverToSpam: (raw: Buffer) => inbox.push({ id: random(8, 'hex'), raw, internalDate: Date.now(), label: 'SPAM' }),
    stats,
    liveRefreshTokens: () => [...grants].filter(([, grant]) => grant.live).map(([refreshToken]) => refreshToken),
    revokeGrants: () => grants.forEach((grant) => (grant.live = false)),
    expireAccessTokens: () => accessTokens.forEach((access) => (access.valid = false)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

const unauthenticatedBody = {
  error: {
    code: 401,
    message:
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    errors: [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' }],
    status: 'UNAUTHENTICATED',
  },
};

const insufficientScopesBody = {
  error: {
    code: 403,
    message: 'Request had insufficient authentication scopes.',
    errors: [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }],
    status: 'PERMISSION_DENIED',
  },
};

/** Google's JSON error body: `{"error":{"code","message","errors":[{domain,reason,message}],"status"}}`. */
function googleError(code: number, status: string, domain: string, reason: string, message: string) {
  return { error: { code, message, errors: [{ message, domain, reason }], status } };
}

/** An ID token as Google's token endpoint returns it (the signature is not checked by its receiver, see google-setup.ts). */
function idToken(clientId: string, email: string): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = {
    iss: 'https://accounts.google.com',
    azp: clientId,
    aud: clientId,
    sub: '110248495921238986420',
    email,
    email_verified: true,
    iat: now,
    exp: now + 3599,
  };
  return `${part({ alg: 'RS256', kid: 'simulator', typ: 'JWT' })}.${part(claims)}.${random(64)}`;
}

/** One header of a raw message (folded lines joined), or ''. */
function headerOf(raw: Buffer, name: string): string {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw
    .subarray(0, end === -1 ? raw.length : end)
    .toString('utf8')
    .replace(/\r\n[ \t]+/g, ' ');
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
}

function random(bytes: number, encoding: 'base64url' | 'hex' = 'base64url'): string {
  return randomBytes(bytes).toString(encoding);
}

function body(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function json(response: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers }).end(JSON.stringify(value));
}

function text(response: http.ServerResponse, status: number, value: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(value + '\n');
}
