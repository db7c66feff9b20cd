/**
 * A local Microsoft identity platform and Microsoft Graph in one HTTPS server on 127.0.0.1, with the
 * test certificate (MSAL accepts only an https authority; the CLI trusts it through NODE_EXTRA_CA_CERTS).
 *
 * Identity, per tenant path (`/{tenant}/oauth2/v2.0/…`): `devicecode`, `token` (device_code grant with
 * authorization_pending → tokens, expired_token, authorization_declined; authorization_code with PKCE;
 * refresh_token, invalid_grant once consent is revoked) and `authorize` (answers the loopback by
 * form_post, as MSAL expects). An unknown tenant or client id gets the identity platform's AADSTS
 * answers. id_tokens are unsigned JWTs (`alg: none`): MSAL decodes the claims (oid, tid,
 * preferred_username, nonce …) and never checks a signature, trusting the TLS channel instead.
 *
 * Graph (`/v1.0`): `GET /me`, `POST /me/sendMail` (MIME, base64, `text/plain`; 202) and the Sent Items
 * lookup by internetMessageId. It enforces the mailbox limits with Graph's own answers: concurrent
 * requests (429 ApplicationThrottled, MailboxConcurrency), messages per window (429 TooManyRequests with
 * a fractional Retry-After) and a daily cap (403 ErrorExceededMessageLimit); it refuses a From other than
 * the mailbox (403 ErrorSendAsDenied). It records every accepted message decoded, the peak of concurrent
 * requests (refused ones included) and every refusal.
 *
 *   const graph = await startGraphServer({ delayMs: 50 });
 *   env: MAILSHOT_MS_AUTHORITY=graph.authority, MAILSHOT_GRAPH_API_URL=graph.graphUrl
 *   … expect(graph.received.map((m) => m.to)).toEqual([...]); expect(graph.peakConcurrent).toBeLessThanOrEqual(4);
 */
import { allRecipients, headerRecipients, type HeaderRecipients } from './mime-recipients.js';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { testCertificate } from './certificate.js';
import { messageIdOf } from './smtp.js';

export const testClientId = '0b6f1a4e-3c2d-4e5f-9a8b-7c6d5e4f3a2b';
export const testTenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';

export interface GraphServerOptions {
  /** The one registered app (default testClientId); any other client id gets AADSTS700016. */
  clientId?: string;
  /** The mailbox that signs in. */
  user?: { address: string; displayName: string };
  deviceCode?: {
    /** Approve on the poll after this many pending ones (default 0: the first poll gets tokens); 'manual': wait for approve() or decline(). */
    approveAfterPolls?: number | 'manual';
    /** Seconds the code is valid (default 900). */
    expiresIn?: number;
    /** Seconds between polls that the server asks for (default 1). */
    interval?: number;
  };
  /** What the person does on the sign-in page of the browser flow (default approve). */
  browser?: 'approve' | 'cancel';
  /** Concurrent requests per mailbox before 429 ApplicationThrottled (default 4, Outlook's). */
  maxConcurrent?: number;
  /** Messages accepted per sliding window before 429 TooManyRequests with this Retry-After. */
  rate?: { max: number; windowMs: number; retryAfter: string };
  /** Recipients (every To, Cc and Bcc address, as Exchange counts) accepted before 403 ErrorExceededMessageLimit; change with setDailyLimit(). */
  dailyLimit?: number;
  /** A Retry-After on the daily-limit answer (real Graph sends none; tests use it to keep the pause short). */
  quotaRetryAfter?: string;
  /** Time sendMail takes before answering (makes concurrency observable). */
  delayMs?: number;
  /** Access token lifetime in seconds (default 3600). */
  accessTokenSeconds?: number;
  /** sendMail refuses every message with an error quoting the request's Authorization header (as a careless proxy might). */
  echoAuthorization?: boolean;
  /** A refused refresh (after revokeConsent) quotes the request it refuses, refresh token included. */
  echoTokenRequest?: boolean;
}

export interface GraphMessage {
  raw: Buffer;
  to: string[];
  /** Who Exchange sends it to (To, Cc and Bcc) and the copy they get (no Bcc header). */
  recipients: HeaderRecipients;
  messageId: string | undefined;
  subject: string | undefined;
  text: string | undefined;
  at: Date;
}

export interface GraphTestServer {
  /** https://127.0.0.1:PORT: the authority host root (MAILSHOT_MS_AUTHORITY). */
  readonly authority: string;
  /** https://127.0.0.1:PORT/v1.0 (MAILSHOT_GRAPH_API_URL). */
  readonly graphUrl: string;
  /** PEM of the self-signed certificate. */
  readonly certificate: string;
  readonly clientId: string;
  readonly address: string;
  /** Every message sendMail accepted, decoded, in order. */
  readonly received: GraphMessage[];
  /** Messages that arrived in the Inbox (bounces, reports, replies), oldest first. */
  readonly inbox: { id: string; raw: Buffer; receivedDateTime: string }[];
  /** A message arrives in the Inbox (as mail from outside would). */
  deliverToInbox(raw: Buffer, at?: Date): void;
  /** A message arrives and Outlook files it in Junk Email. */
  deliverToJunk(raw: Buffer): void;
  /** Most Graph requests open at once, counting those refused for concurrency. */
  readonly peakConcurrent: number;
  /** Every error answer of the Graph side: status and error code. */
  readonly refusals: { status: number; code: string; path: string }[];
  /** Every access and refresh token issued so far. */
  readonly issuedAccessTokens: string[];
  readonly issuedRefreshTokens: string[];
  /** Token endpoint calls by grant type, including refused ones (e.g. "refresh_token"). */
  readonly tokenRequests: string[];
  /** Polls per device code so far (by user code). */
  readonly polls: Map<string, number>;
  approve(userCode: string): void;
  decline(userCode: string): void;
  /** The access tokens issued so far stop working (as after a password change); refresh still works. */
  invalidateAccessTokens(): void;
  /** The person withdraws the app's consent: tokens stop working, refresh gets invalid_grant. */
  revokeConsent(): void;
  setDailyLimit(limit: number | undefined): void;
  close(): Promise<void>;
}

const oidcScopes = new Set(['openid', 'profile', 'offline_access', 'email']);

interface DeviceCodeState {
  userCode: string;
  scopes: string[];
  expiresAt: number;
  polls: number;
  decision: 'pending' | 'approved' | 'declined';
}

interface Grant {
  scopes: string[];
  nonce?: string;
}

class GraphTestServerImpl implements GraphTestServer {
  authority = '';
  graphUrl = '';
  certificate = '';
  readonly clientId: string;
  readonly address: string;
  received: GraphMessage[] = [];
  inbox: { id: string; raw: Buffer; receivedDateTime: string }[] = [];
  junk: { id: string; raw: Buffer; receivedDateTime: string }[] = [];
  peakConcurrent = 0;
  refusals: { status: number; code: string; path: string }[] = [];
  issuedAccessTokens: string[] = [];
  issuedRefreshTokens: string[] = [];
  tokenRequests: string[] = [];
  polls = new Map<string, number>();
  private readonly oid = randomUUID();
  private readonly deviceCodes = new Map<string, DeviceCodeState>();
  private readonly authorizationCodes = new Map<string, Grant & { redirectUri: string; challenge: string }>();
  private readonly refreshTokens = new Map<string, Grant>();
  private readonly accessTokens = new Map<string, Grant & { expiresAt: number }>();
  private readonly sendTimes: number[] = [];
  private consentRevoked = false;
  private sending = 0;
  private dailyLimit: number | undefined;
  private recipientsAccepted = 0;
  private open = 0;
  private server!: https.Server;

  constructor(private readonly options: GraphServerOptions) {
    this.clientId = options.clientId ?? testClientId;
    this.address = options.user?.address ?? 'megan@contoso.example';
    this.dailyLimit = options.dailyLimit;
  }

  async start(): Promise<void> {
    const { key, cert } = await testCertificate();
    this.certificate = cert;
    this.server = https.createServer({ key, cert }, (request, response) => {
      this.route(request, response).catch((error: unknown) => {
        if (!response.headersSent) json(response, 500, { error: { code: 'InternalServerError', message: String(error) } });
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.authority = `https://127.0.0.1:${port}`;
    this.graphUrl = `${this.authority}/v1.0`;
  }

  approve(userCode: string): void {
    this.decide(userCode, 'approved');
  }

  decline(userCode: string): void {
    this.decide(userCode, 'declined');
  }

  invalidateAccessTokens(): void {
    this.accessTokens.clear();
  }

  revokeConsent(): void {
    this.consentRevoked = true;
  }

  setDailyLimit(limit: number | undefined): void {
    this.dailyLimit = limit;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private decide(userCode: string, decision: 'approved' | 'declined'): void {
    const entry = [...this.deviceCodes.values()].find((state) => state.userCode === userCode);
    if (!entry) throw new Error(`graph test server: no device code with user code ${userCode}`);
    entry.decision = decision;
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.authority);
    const body = await readBody(request);
    if (url.pathname.startsWith('/v1.0/')) return this.graph(request, url, body, response);
    const identity = /^\/([^/]+)\/oauth2\/v2\.0\/(devicecode|token|authorize)$/.exec(url.pathname);
    if (!identity) return json(response, 404, { error: 'not_found' });
    const [, tenant, endpoint] = identity as unknown as [string, string, string];
    const params = endpoint === 'authorize' ? url.searchParams : new URLSearchParams(body.toString('utf8'));
    const refusal = this.checkTenantAndClient(tenant, params.get('client_id') ?? '');
    if (endpoint === 'authorize') return this.authorize(params, refusal, response);
    if (refusal) return json(response, 400, refusal);
    if (endpoint === 'devicecode') return this.issueDeviceCode(params, response);
    return this.token(params, response);
  }

  // ─── identity ───────────────────────────────────────────────────────────────────────────────

  private checkTenantAndClient(tenant: string, clientId: string): Record<string, unknown> | undefined {
    if (!['common', 'organizations', 'consumers', testTenantId, 'contoso.example'].includes(tenant)) {
      return aadError(
        'invalid_tenant',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
      );
    }
    if (clientId !== this.clientId) {
      return aadError(
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }
    return undefined;
  }

  private issueDeviceCode(params: URLSearchParams, response: ServerResponse): void {
    const deviceCode = randomBytes(32).toString('base64url');
    const userCode = randomBytes(6).toString('base64url').replace(/[-_]/g, 'X').slice(0, 8).toUpperCase();
    const expiresIn = this.options.deviceCode?.expiresIn ?? 900;
    this.deviceCodes.set(deviceCode, {
      userCode,
      scopes: scopesOf(params),
      expiresAt: Date.now() + expiresIn * 1000,
      polls: 0,
      decision: 'pending',
    });
    const page = `${this.authority}/devicelogin`;
    json(response, 200, {
      user_code: userCode,
      device_code: deviceCode,
      verification_uri: page,
      expires_in: expiresIn,
      interval: this.options.deviceCode?.interval ?? 1,
      message: `To sign in, use a web browser to open the page ${page} and enter the code ${userCode} to authenticate.`,
    });
  }

  private authorize(params: URLSearchParams, refusal: Record<string, unknown> | undefined, response: ServerResponse): void {
    // The identity platform shows a wrong tenant or client on its own page and never redirects.
    if (refusal) return html(response, 400, `<h1>Sign in</h1><p>${String(refusal.error_description)}</p>`);
    const redirectUri = params.get('redirect_uri') ?? '';
    if (params.get('response_mode') !== 'form_post' || params.get('code_challenge_method') !== 'S256' || !params.get('code_challenge')) {
      return html(response, 400, '<p>AADSTS900144: this simulator expects response_mode=form_post and PKCE S256.</p>');
    }
    const fields: Record<string, string> = { state: params.get('state') ?? '' };
    if (this.options.browser === 'cancel') {
      fields.error = 'access_denied';
      fields.error_description = 'AADSTS65004: User declined to consent to access the app.';
    } else {
      const code = randomBytes(24).toString('base64url');
      this.authorizationCodes.set(code, {
        scopes: scopesOf(params),
        nonce: params.get('nonce') ?? undefined,
        redirectUri,
        challenge: params.get('code_challenge')!,
      });
      fields.code = code;
      fields.client_info = this.clientInfo();
    }
    const inputs = Object.entries(fields)
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}" />`)
      .join('');
    html(
      response,
      200,
      `<html><body><form method="POST" name="hiddenform" action="${escapeHtml(redirectUri)}">${inputs}</form><script>document.forms[0].submit()</script></body></html>`,
    );
  }

  private token(params: URLSearchParams, response: ServerResponse): void {
    const grantType = params.get('grant_type') ?? '';
    this.tokenRequests.push(grantType.replace('urn:ietf:params:oauth:grant-type:', ''));
    // RFC 8628's name, and the short one MSAL sends (the identity platform takes both).
    if (grantType === 'urn:ietf:params:oauth:grant-type:device_code' || grantType === 'device_code') {
      const state = this.deviceCodes.get(params.get('device_code') ?? '');
      if (!state)
        return json(
          response,
          400,
          aadError('bad_verification_code', 70000, "The provided value for the input parameter 'device_code' is not valid."),
        );
      state.polls++;
      this.polls.set(state.userCode, state.polls);
      const approveAfter = this.options.deviceCode?.approveAfterPolls ?? 0;
      if (state.decision === 'pending' && approveAfter !== 'manual' && state.polls > approveAfter) state.decision = 'approved';
      if (Date.now() > state.expiresAt) return json(response, 400, aadError('expired_token', 70019, 'Verification code expired.'));
      if (state.decision === 'declined')
        return json(response, 400, aadError('authorization_declined', 70000, 'The end user denied the authorization request.'));
      if (state.decision === 'pending') {
        return json(
          response,
          400,
          aadError('authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.'),
        );
      }
      this.deviceCodes.delete(params.get('device_code')!);
      return json(response, 200, this.issueTokens({ scopes: state.scopes }));
    }
    if (grantType === 'authorization_code') {
      const code = this.authorizationCodes.get(params.get('code') ?? '');
      this.authorizationCodes.delete(params.get('code') ?? '');
      const verifier = params.get('code_verifier') ?? '';
      if (
        !code ||
        code.redirectUri !== params.get('redirect_uri') ||
        createHash('sha256').update(verifier).digest('base64url') !== code.challenge
      ) {
        return json(response, 400, aadError('invalid_grant', 70000, 'The provided value for the code parameter is not valid.'));
      }
      return json(response, 200, this.issueTokens(code));
    }
    if (grantType === 'refresh_token') {
      const grant = this.refreshTokens.get(params.get('refresh_token') ?? '');
      if (this.consentRevoked) {
        return json(
          response,
          400,
          aadError(
            'invalid_grant',
            65001,
            `The user or administrator has not consented to use the application with ID '${this.clientId}' named 'mailshot'. Send an interactive authorization request for this user and resource.` +
              (this.options.echoTokenRequest ? ` Request: ${params.toString()}` : ''),
            'consent_required',
          ),
        );
      }
      if (!grant)
        return json(
          response,
          400,
          aadError('invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity.'),
        );
      return json(response, 200, this.issueTokens({ scopes: grant.scopes }));
    }
    json(response, 400, aadError('unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`));
  }

  private issueTokens(grant: Grant): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    const lifetime = this.options.accessTokenSeconds ?? 3600;
    const accessToken = randomBytes(32).toString('base64url');
    const refreshToken = randomBytes(48).toString('base64url');
    const scopes = grant.scopes.filter((scope) => !oidcScopes.has(scope));
    this.accessTokens.set(accessToken, { scopes, expiresAt: Date.now() + lifetime * 1000 });
    this.issuedAccessTokens.push(accessToken);
    this.issuedRefreshTokens.push(refreshToken);
    this.refreshTokens.set(refreshToken, { scopes: grant.scopes });
    const claims = {
      ver: '2.0',
      iss: `${this.authority}/${testTenantId}/v2.0`,
      sub: createHash('sha256').update(this.oid).digest('base64url'),
      aud: this.clientId,
      iat: now,
      nbf: now,
      exp: now + 3600,
      name: this.options.user?.displayName ?? 'Megan Bowen',
      preferred_username: this.address,
      oid: this.oid,
      tid: testTenantId,
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
    };
    const idToken =
      [{ typ: 'JWT', alg: 'none' }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') + '.';
    return {
      token_type: 'Bearer',
      scope: scopes.join(' '),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
      refresh_token: refreshToken,
      id_token: idToken,
      client_info: this.clientInfo(),
    };
  }

  private clientInfo(): string {
    return Buffer.from(JSON.stringify({ uid: this.oid, utid: testTenantId })).toString('base64url');
  }

  // ─── Graph ──────────────────────────────────────────────────────────────────────────────────

  private async graph(request: IncomingMessage, url: URL, body: Buffer, response: ServerResponse): Promise<void> {
    const path = url.pathname.slice('/v1.0'.length);
    const refuse = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      this.refusals.push({ status, code, path });
      json(
        response,
        status,
        { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomUUID() } } },
        headers,
      );
    };
    const token = this.accessTokens.get(/^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '');
    if (!token || token.expiresAt < Date.now() || this.consentRevoked) {
      return refuse(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
    }
    this.open++;
    this.peakConcurrent = Math.max(this.peakConcurrent, this.open);
    try {
      if (this.open > (this.options.maxConcurrent ?? 4)) {
        return refuse(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'Retry-After': '1' });
      }
      const granted = (scope: string) => token.scopes.some((held) => held.toLowerCase() === scope.toLowerCase());
      const denied = () => refuse(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
      if (request.method === 'GET' && path === '/me') {
        if (!granted('User.Read')) return denied();
        return json(response, 200, {
          id: this.oid,
          displayName: this.options.user?.displayName ?? 'Megan Bowen',
          mail: this.address,
          userPrincipalName: this.address,
        });
      }
      if (request.method === 'GET' && path === '/me/mailFolders/sentitems/messages') {
        if (!granted('Mail.ReadBasic') && !granted('Mail.Read')) return denied();
        const wanted = /^internetMessageId eq '((?:[^']|'')*)'$/.exec(url.searchParams.get('$filter') ?? '')?.[1]?.replace(/''/g, "'");
        if (wanted === undefined) return refuse(400, 'BadRequest', 'Invalid filter clause');
        const found = this.received.filter((message) => message.messageId === wanted);
        return json(response, 200, { value: found.map((_, index) => ({ id: `AAMk${index}` })) });
      }
      const folder = /^\/me\/mailFolders\/(inbox|junkemail)\/messages$/.exec(path)?.[1];
      if (request.method === 'GET' && folder) {
        if (!granted('Mail.Read') && !granted('Mail.ReadBasic')) return denied();
        const wanted = /^internetMessageId eq '((?:[^']|'')*)'$/.exec(url.searchParams.get('$filter') ?? '')?.[1]?.replace(/''/g, "'");
        if (wanted !== undefined) {
          const found = (folder === 'inbox' ? this.inbox : this.junk).filter((message) => messageIdOf(message.raw) === wanted);
          return json(response, 200, { value: found.map((message) => ({ id: message.id })) });
        }
        if (folder === 'inbox') return this.listInbox(url, response, refuse);
        return refuse(400, 'BadRequest', 'Invalid filter clause');
      }
      const value = /^\/me\/messages\/([^/]+)\/\$value$/.exec(path);
      if (request.method === 'GET' && value) {
        if (!granted('Mail.Read')) return denied(); // Mail.ReadBasic does not give the body
        const message = [...this.inbox, ...this.junk].find((entry) => entry.id === decodeURIComponent(value[1]!));
        if (!message) return refuse(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
        response.writeHead(200, { 'content-type': 'text/plain' });
        return void response.end(message.raw);
      }
      if (request.method === 'POST' && path === '/me/sendMail') {
        if (!granted('Mail.Send')) return denied();
        return await this.sendMail(request, body, response, refuse);
      }
      return refuse(404, 'ResourceNotFound', `Resource not found for the segment '${path.split('/').pop()}'.`);
    } finally {
      this.open--;
    }
  }

  /** `$filter=receivedDateTime ge …`, `$orderby=receivedDateTime asc`, `$top` per page, `@odata.nextLink` with `$skip` while more remain. */
  private listInbox(url: URL, response: ServerResponse, refuse: (status: number, code: string, message: string) => void): void {
    const since = /^receivedDateTime ge (\S+)$/.exec(url.searchParams.get('$filter') ?? '')?.[1];
    if (!since || Number.isNaN(Date.parse(since))) return refuse(400, 'BadRequest', 'Invalid filter clause');
    if (url.searchParams.get('$orderby') !== 'receivedDateTime asc')
      return refuse(400, 'BadRequest', 'The simulator sorts by receivedDateTime asc only');
    const found = this.inbox.filter((message) => Date.parse(message.receivedDateTime) >= Date.parse(since));
    const top = Math.min(1000, Number(url.searchParams.get('$top') ?? 10));
    const skip = Number(url.searchParams.get('$skip') ?? 0);
    const next = new URL(url.href.replace(/^http:/, 'https:'));
    next.host = new URL(this.graphUrl).host;
    next.searchParams.set('$skip', String(skip + top));
    const page = found
      .slice(skip, skip + top)
      .map((message) => ({ '@odata.etag': 'W/"CQAAABYAAAC"', id: message.id, receivedDateTime: message.receivedDateTime }));
    json(response, 200, {
      '@odata.context': `${this.graphUrl}/$metadata#users('${this.oid}')/mailFolders('inbox')/messages(id,receivedDateTime)`,
      value: page,
      ...(skip + top < found.length ? { '@odata.nextLink': next.href } : {}),
    });
  }

  /** A message arrives and Outlook files it in Junk Email. */
  deliverToJunk(raw: Buffer): void {
    this.junk.push({
      id: `AAMkAGI2${randomUUID().replace(/-/g, '')}AAJ=`,
      raw,
      receivedDateTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    });
  }

  deliverToInbox(raw: Buffer, at = new Date()): void {
    this.inbox.push({
      id: `AAMkAGI2${randomUUID().replace(/-/g, '')}AAA=`,
      raw,
      receivedDateTime: at.toISOString().replace(/\.\d+Z$/, 'Z'),
    });
  }

  private async sendMail(
    request: IncomingMessage,
    body: Buffer,
    response: ServerResponse,
    refuse: (status: number, code: string, message: string, headers?: Record<string, string>) => void,
  ): Promise<void> {
    if (this.options.echoAuthorization) {
      return refuse(400, 'ErrorInvalidRequest', `Invalid request; Authorization: ${request.headers.authorization ?? ''}`);
    }
    const text = body.toString('latin1').replace(/\r?\n/g, '');
    if (!(request.headers['content-type'] ?? '').startsWith('text/plain') || !text || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
      return refuse(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
    }
    const raw = Buffer.from(text, 'base64');
    const mail = await simpleParser(raw);
    if (mail.from?.value[0]?.address?.toLowerCase() !== this.address) {
      return refuse(
        403,
        'ErrorSendAsDenied',
        'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.',
      );
    }
    const now = Date.now();
    const { rate } = this.options;
    if (rate) {
      while (this.sendTimes.length && this.sendTimes[0]! <= now - rate.windowMs) this.sendTimes.shift();
      if (this.sendTimes.length >= rate.max)
        return refuse(429, 'TooManyRequests', 'Please retry again later.', { 'Retry-After': rate.retryAfter });
    }
    const recipients = headerRecipients(raw);
    const count = allRecipients(recipients).length;
    if (this.dailyLimit !== undefined && this.recipientsAccepted + this.sending + count > this.dailyLimit) {
      const headers: Record<string, string> = this.options.quotaRetryAfter ? { 'Retry-After': this.options.quotaRetryAfter } : {};
      return refuse(403, 'ErrorExceededMessageLimit', 'Cannot send mail. The message limit has been exceeded.', headers);
    }
    this.sendTimes.push(now);
    this.sending += count;
    try {
      if (this.options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
    } finally {
      this.sending -= count;
    }
    const to = ([] as AddressObject[]).concat(mail.to ?? []).flatMap((group) => group.value.map((entry) => entry.address ?? ''));
    this.recipientsAccepted += count;
    this.received.push({ raw, to, recipients, messageId: mail.messageId, subject: mail.subject, text: mail.text, at: new Date() });
    response.writeHead(202, { 'request-id': randomUUID() });
    response.end();
  }
}

export async function startGraphServer(options: GraphServerOptions = {}): Promise<GraphTestServer> {
  const server = new GraphTestServerImpl(options);
  await server.start();
  return server;
}

function scopesOf(params: URLSearchParams): string[] {
  return (params.get('scope') ?? '').split(' ').filter(Boolean);
}

/** The identity platform's error body, trace and correlation ids included. */
function aadError(error: string, code: number, description: string, suberror?: string): Record<string, unknown> {
  const timestamp = new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  const traceId = randomUUID();
  const correlationId = randomUUID();
  return {
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    ...(suberror ? { suberror } : {}),
  };
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

function html(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
  response.end(body);
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
