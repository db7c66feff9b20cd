/**
 * The MSAL side of a Microsoft account, shared by sign-in (microsoft-setup.ts) and the Graph transport:
 * a public client for the person's app registration and tenant, its token cache kept in the secret
 * store through a cache plugin, and what the identity platform answered when it refused.
 *
 * MSAL is loaded here, on first use, so no other command pays for it.
 */
import type { ICachePlugin, INetworkModule, NetworkRequestOptions, NetworkResponse, PublicClientApplication } from '@azure/msal-node';
import { StopError } from '../errors.js';
import { httpFetch } from '../system/http.js';
import type { CredentialStore } from './credentials.js';
import { credentialRedactor } from '../system/redact.js';

/** What MSAL needs to know about an account (sign-in runs before the account exists). */
export interface MicrosoftLink {
  name: string;
  clientId: string;
  /** common, organizations, consumers or a tenant id. */
  tenant: string;
  /** Linked with permission to look messages up in Sent. */
  reconcile: boolean;
  /** Linked with permission to read the mailbox (Mail.Read), for `bounces check`. */
  readMail?: boolean;
}

const requestTimeoutMs = 30_000;

/** The identity platform's host root: MAILSHOT_MS_AUTHORITY points it at a simulator. MSAL requires https. */
function authorityHost(): string {
  const host = (process.env.MAILSHOT_MS_AUTHORITY ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
  if (!host.startsWith('https://')) throw new StopError(`MAILSHOT_MS_AUTHORITY must be an https:// address, not "${host}"`);
  return host;
}

/** Microsoft Graph's root: MAILSHOT_GRAPH_API_URL points it at a simulator. */
export function graphApiUrl(): string {
  return (process.env.MAILSHOT_GRAPH_API_URL ?? 'https://graph.microsoft.com/v1.0').replace(/\/+$/, '');
}

/**
 * offline_access brings the refresh token that lets cron send without a new sign-in; Mail.ReadBasic is
 * enough to find a message in Sent; reading bounces needs their MIME ($value): Mail.Read.
 */
export function scopesFor(reconcile: boolean, readMail = false): string[] {
  return ['Mail.Send', 'User.Read', 'offline_access', ...(readMail ? ['Mail.Read'] : reconcile ? ['Mail.ReadBasic'] : [])];
}

/** An OAuth error answer: `{"error":"invalid_grant","error_description":"AADSTS…"}`. */
export interface OAuthErrorBody {
  error: string;
  error_description?: string;
}

/**
 * A refused or failed call to the identity platform. `reply` is its answer when it gave one (status and
 * body, the description cut to its first line: the rest is trace and correlation ids); `unreachable`
 * when it could not be reached; otherwise MSAL's own error code and message.
 */
export class IdentityFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly reply?: { status: number; body: OAuthErrorBody },
    readonly unreachable = false,
  ) {
    super(message);
    this.name = 'IdentityFailure';
  }
}

export class MicrosoftIdentity {
  private constructor(
    readonly app: PublicClientApplication,
    private readonly network: RecordingNetwork,
  ) {}

  /** A client for the app registration and tenant; with a store, the token cache is read from and written back to it. */
  static async open(link: Pick<MicrosoftLink, 'clientId' | 'tenant'>, store?: CredentialStore): Promise<MicrosoftIdentity> {
    const { PublicClientApplication } = await import('@azure/msal-node');
    const host = authorityHost();
    const authority = `${host}/${link.tenant}`;
    const network = new RecordingNetwork();
    const app = new PublicClientApplication({
      auth: {
        clientId: link.clientId,
        authority,
        // The endpoints are known: no instance or OpenID discovery round trips (and none to fake in tests).
        knownAuthorities: [new URL(host).host],
        authorityMetadata: JSON.stringify({
          authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
          token_endpoint: `${authority}/oauth2/v2.0/token`,
          end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
          jwks_uri: `${authority}/discovery/v2.0/keys`,
          issuer: `${host}/{tenantid}/v2.0`,
        }),
      },
      cache: store ? { cachePlugin: cachePlugin(store) } : {},
      system: { networkClient: network },
    });
    return new MicrosoftIdentity(app, network);
  }

  /** Runs MSAL calls; a failure comes out as an IdentityFailure saying what the identity platform answered. */
  async run<T>(call: (app: PublicClientApplication) => Promise<T>): Promise<T> {
    this.network.problem = undefined;
    try {
      return await call(this.app);
    } catch (error) {
      throw this.failureOf(error);
    }
  }

  /** The token cache as JSON text, for the secret store. */
  serializedCache(): string {
    return this.app.getTokenCache().serialize();
  }

  private failureOf(error: unknown): unknown {
    const problem = this.network.problem;
    if (problem && 'unreachable' in problem) {
      return new IdentityFailure(
        'unreachable',
        `cannot reach the Microsoft sign-in service at ${authorityHost()} (${problem.unreachable})`,
        undefined,
        true,
      );
    }
    // MSAL keeps only the error code of some answers (and none of the device-code endpoint's): the recorded reply has it all.
    if (problem) return new IdentityFailure(problem.body.error, problem.body.error_description ?? problem.body.error, problem);
    const msal = error as { errorCode?: unknown; errorMessage?: unknown };
    if (typeof msal?.errorCode === 'string') return new IdentityFailure(msal.errorCode, String(msal.errorMessage || msal.errorCode));
    return error;
  }
}

/**
 * The access token from MSAL's cache (kept in the secret store), renewed with the refresh token when due,
 * or at once after a 401. A refusal is thrown as an IdentityFailure.
 */
export function microsoftTokens(
  link: MicrosoftLink,
  store: CredentialStore,
): { current(): Promise<string>; renew(rejected: string): Promise<string> } {
  let identity: Promise<MicrosoftIdentity> | undefined;
  const token = async (forceRefresh: boolean) => {
    const opened = await (identity ??= MicrosoftIdentity.open(link, store));
    const result = await opened.run(async (app) => {
      const [account] = await app.getTokenCache().getAllAccounts();
      if (!account) throw new IdentityFailure('no_account', 'no sign-in is stored for this account');
      return app.acquireTokenSilent({ account, scopes: scopesFor(link.reconcile, link.readMail), forceRefresh });
    });
    return result.accessToken;
  };
  return { current: () => token(false), renew: () => token(true) };
}

function cachePlugin(store: CredentialStore): ICachePlugin {
  return {
    async beforeCacheAccess(context) {
      const saved = await store.read();
      if (saved) context.tokenCache.deserialize(saved);
    },
    async afterCacheAccess(context) {
      if (context.cacheHasChanged) await store.write(context.tokenCache.serialize());
    },
  };
}

/** The identity platform's answers go through here (plain fetch, as MSAL's own client), keeping the last refusal. */
class RecordingNetwork implements INetworkModule {
  problem: { status: number; body: OAuthErrorBody } | { unreachable: string } | undefined;

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions = {},
    timeout = requestTimeoutMs,
  ): Promise<NetworkResponse<T>> {
    let response: Response;
    try {
      response = await httpFetch('microsoft sign-in', url, {
        method,
        headers: options.headers,
        body: method === 'POST' ? (options.body ?? '') : undefined,
        signal: AbortSignal.timeout(timeout),
      });
    } catch (error) {
      this.problem = { unreachable: networkErrorText(error) };
      throw error;
    }
    // A refusal may quote the request: without the secrets this request carried (a success carries new tokens, kept).
    const answer = await response.text();
    const text = response.status >= 400 ? credentialRedactor({ tokens: secretsIn(options.body) })(answer) : answer;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      this.problem = {
        status: response.status,
        body: { error: `http_${response.status}`, error_description: `not a JSON answer: ${text.slice(0, 200)}` },
      };
      throw new Error(this.problem.body.error_description);
    }
    const refusal = body as Partial<OAuthErrorBody>;
    // "authorization_pending" is the device-code poll saying "not yet", not a refusal.
    if (response.status >= 400 && typeof refusal.error === 'string' && refusal.error !== 'authorization_pending') {
      this.problem = { status: response.status, body: { error: refusal.error, error_description: firstLine(refusal.error_description) } };
    }
    return { headers: Object.fromEntries(response.headers), body: body as T, status: response.status };
  }
}

/** The values of a token request's form that must not be shown: refresh token, codes, client secret, assertions. */
function secretsIn(body: string | undefined): string[] {
  const form = new URLSearchParams(body ?? '');
  const names = ['refresh_token', 'code', 'code_verifier', 'device_code', 'client_secret', 'client_assertion', 'assertion'];
  return names.map((name) => form.get(name) ?? '').filter(Boolean);
}

function firstLine(text: string | undefined): string | undefined {
  return text?.split(/\r?\n/)[0]?.trim();
}

/** What fetch says when it cannot reach a host: its cause ("connect ECONNREFUSED 127.0.0.1:443"), or a timeout. */
export function networkErrorText(error: unknown): string {
  const cause = (error as { cause?: { message?: string } })?.cause;
  if ((error as Error)?.name === 'TimeoutError') return 'no answer in time';
  return cause?.message ?? (error as Error)?.message ?? String(error);
}
