/**
 * Google OAuth for Gmail accounts: the endpoints (which tests point at a local simulator), the scopes,
 * what the secret store holds, and the access token a transport sends with.
 */
import { OAuth2Client } from 'google-auth-library';
import { StopError } from '../errors.js';
import type { CredentialStore } from './credentials.js';
import { credentialRedactor, redactError } from '../system/redact.js';

export function googleEndpoints(): { auth: string; token: string; gmail: string } {
  return {
    auth: process.env.MAILSHOT_GOOGLE_AUTH_URL || 'https://accounts.google.com/o/oauth2/v2/auth',
    token: process.env.MAILSHOT_GOOGLE_TOKEN_URL || 'https://oauth2.googleapis.com/token',
    gmail: process.env.MAILSHOT_GMAIL_API_URL || 'https://gmail.googleapis.com/',
  };
}

const scope = (name: string) => `https://www.googleapis.com/auth/${name}`;
const fullMailbox = 'https://mail.google.com/';

const gmailScopes = {
  send: scope('gmail.send'),
  // Looking a message up by Message-ID needs `q=rfc822msgid:`, which Gmail refuses under gmail.metadata:
  // gmail.readonly is the narrowest scope that allows it.
  lookUp: scope('gmail.readonly'),
};

/** What sign-in asks for: sending, the address (the ID token's email claim), and with --reconcile the Sent lookup. */
export function requestedScopes(reconcile: boolean): string[] {
  return ['openid', 'email', gmailScopes.send, ...(reconcile ? [gmailScopes.lookUp] : [])];
}

/** Whether granted scopes (Google lets a person untick each one) allow sending, or looking messages up. */
export function allows(granted: readonly string[], what: keyof typeof gmailScopes): boolean {
  const enough =
    what === 'send'
      ? [gmailScopes.send, scope('gmail.compose'), scope('gmail.modify'), fullMailbox]
      : [gmailScopes.lookUp, scope('gmail.modify'), fullMailbox];
  return granted.some((scope) => enough.includes(scope));
}

export function oauthClient(clientId: string, clientSecret: string): OAuth2Client {
  const { auth, token } = googleEndpoints();
  // A token endpoint that hangs cannot hold a run: each exchange has 30 s.
  return new OAuth2Client({
    clientId,
    clientSecret,
    endpoints: { oauth2AuthBaseUrl: auth, oauth2TokenUrl: token },
    transporterOptions: { timeout: 30_000 },
  });
}

/** A Google account's secret: one JSON text in the keychain (or the owner-only file), never in the registry. */
export interface GoogleSecret {
  clientSecret: string;
  refreshToken: string;
}

function parseGoogleSecret(text: string | undefined, account: string): GoogleSecret {
  try {
    const secret = JSON.parse(text ?? '') as Partial<GoogleSecret>;
    if (typeof secret.clientSecret === 'string' && typeof secret.refreshToken === 'string')
      return { clientSecret: secret.clientSecret, refreshToken: secret.refreshToken };
  } catch {
    // reported below
  }
  throw new StopError(
    `the stored sign-in of account "${account}" is missing or unreadable; link it again: mailshot accounts remove ${account}, then mailshot accounts add google ${account} --client-id …`,
  );
}

/**
 * The access token, renewed from the refresh token when there is none yet, when it is about to expire,
 * or when Google rejected it. Renewal is single-flight: google-auth-library shares one refresh request
 * among the callers that ask while it runs, and a send whose token was rejected after another send
 * already renewed it just takes the new token.
 */
class AccessTokens {
  private readonly client: OAuth2Client;
  private rotated?: string;

  constructor(
    clientId: string,
    private secret: GoogleSecret,
    private readonly store: CredentialStore,
  ) {
    this.client = oauthClient(clientId, secret.clientSecret);
    this.client.setCredentials({ refresh_token: secret.refreshToken });
    // The library keeps using the old refresh token after Google sends a new one; remember the new one here.
    this.client.on('tokens', (tokens) => {
      if (tokens.refresh_token && tokens.refresh_token !== this.secret.refreshToken) this.rotated = tokens.refresh_token;
    });
  }

  async current(): Promise<string> {
    const { token } = await this.client.getAccessToken().catch((error: unknown) => {
      // The token endpoint's answer goes on to errors: without the refresh token and client secret it was sent.
      const { refreshToken, clientSecret } = this.secret;
      throw redactError(error, credentialRedactor({ tokens: [refreshToken, clientSecret, this.rotated ?? ''] }));
    });
    await this.keepRotatedRefreshToken();
    if (!token) throw new Error('Google answered the token refresh without an access token');
    return token;
  }

  /** `rejected` got a 401: renew it, unless another caller already has. */
  renew(rejected: string): Promise<string> {
    if (this.client.credentials.access_token === rejected) this.client.credentials.expiry_date = 1; // expired: the next getAccessToken refreshes
    return this.current();
  }

  /** The scopes Google says the token carries (empty when it did not say). */
  grantedScopes(): string[] {
    return (this.client.credentials.scope ?? '').split(' ').filter(Boolean);
  }

  expiresAt(): Date | undefined {
    const expiry = this.client.credentials.expiry_date;
    return expiry ? new Date(expiry) : undefined;
  }

  private async keepRotatedRefreshToken(): Promise<void> {
    const refreshToken = this.rotated;
    if (refreshToken && refreshToken !== this.secret.refreshToken) {
      this.secret = { ...this.secret, refreshToken };
      await this.store.write(JSON.stringify(this.secret));
    }
    this.client.credentials.refresh_token = this.secret.refreshToken;
  }
}

/** The account's access tokens, its secret read from the store on first use. */
export function googleTokens(clientId: string, account: string, store: CredentialStore) {
  let tokens: Promise<AccessTokens> | undefined;
  let ready: AccessTokens | undefined;
  const open = async () =>
    (ready = await (tokens ??= store.read().then((text) => new AccessTokens(clientId, parseGoogleSecret(text, account), store))));
  return {
    current: async () => (await open()).current(),
    renew: async (rejected: string) => (await open()).renew(rejected),
    grantedScopes: () => ready?.grantedScopes() ?? [],
    expiresAt: () => ready?.expiresAt(),
  };
}
