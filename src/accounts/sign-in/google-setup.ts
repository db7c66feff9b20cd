import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CodeChallengeMethod, type Credentials, type OAuth2Client } from 'google-auth-library';
import { InputError, StopError, type MailshotError } from '../../errors.js';
import { httpFacts } from '../../transports/http-error.js';
import type { AccountLimits, GoogleAccount } from '../account.js';
import { allows, oauthClient, requestedScopes, type GoogleSecret } from '../../auth/google-oauth.js';
import { kindDefaults, workspaceDailyLimit } from '../kinds.js';
import { mergeLimits } from '../limits.js';
import { listenForRedirect, type LoopbackRedirect } from './loopback-redirect.js';
import { AccountRegistry } from '../registry.js';
import { saveNewAccount } from '../save-account.js';
import type { SignInIo } from './io.js';

export interface GoogleSetup {
  name: string;
  clientId: string;
  /** From an environment variable or a prompt, never from argv. */
  clientSecret: string;
  workspace: boolean;
  /** Open the system browser; false: print the address and also accept the redirected address pasted back. */
  browser: boolean;
  reconcile: boolean;
  readMail?: boolean;
  limits: AccountLimits;
}

const defaultTimeoutMs = 5 * 60_000;

/**
 * Links a Gmail / Google Workspace account: the installed-app loopback flow with PKCE and a `state`
 * check, then the refresh token and client secret to the secret store and the account to the registry.
 * Every failure before the end leaves neither.
 */
export async function addGoogleAccount(setup: GoogleSetup, io: SignInIo): Promise<GoogleAccount> {
  const registry = await AccountRegistry.open();
  registry.checkNewName(setup.name);
  const grant = await signIn(setup, io);
  registry.checkNewName(setup.name); // the sign-in took minutes: another run may have taken the name meanwhile
  const account: GoogleAccount = {
    kind: 'google',
    name: setup.name,
    address: grant.address,
    clientId: setup.clientId,
    secret: 'pending',
    reconcile: grant.reconcile,
    readMail: grant.readMail || undefined,
    workspace: setup.workspace,
    limits: mergeLimits(kindDefaults.google.limits, setup.workspace ? { dailyLimit: workspaceDailyLimit } : {}, setup.limits),
    createdAt: new Date().toISOString(),
  };
  const secret = JSON.stringify({ clientSecret: setup.clientSecret, refreshToken: grant.refreshToken } satisfies GoogleSecret);
  return saveNewAccount(registry, account, secret, io.warn);
}

interface Grant {
  address: string;
  refreshToken: string;
  reconcile: boolean;
  readMail: boolean;
}

async function signIn(setup: GoogleSetup, io: SignInIo): Promise<Grant> {
  const client = oauthClient(setup.clientId, setup.clientSecret);
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const state = randomBytes(24).toString('base64url');
  const loopback = await listenForRedirect((params) => authorizationCode(params, state));
  try {
    const url = client.generateAuthUrl({
      access_type: 'offline',
      prompt: 'consent', // without it Google returns a refresh token only the first time a client is allowed
      scope: requestedScopes(setup.reconcile || Boolean(setup.readMail)),
      code_challenge: codeChallenge,
      code_challenge_method: CodeChallengeMethod.S256,
      state,
      redirect_uri: loopback.redirectUri,
    });
    const code = await awaitAuthorizationCode(setup, io, url, loopback, state);
    const tokens = await exchange(client, code, codeVerifier, loopback.redirectUri);
    return grantOf(tokens, setup, io);
  } finally {
    await loopback.close();
  }
}

/** The code from the browser's redirect or a pasted address, whichever comes first, or the reason there is none. */
async function awaitAuthorizationCode(
  setup: GoogleSetup,
  io: SignInIo,
  url: string,
  loopback: LoopbackRedirect<string>,
  state: string,
): Promise<string> {
  const timeoutMs = Number(process.env.MAILSHOT_SIGNIN_TIMEOUT_MS) || defaultTimeoutMs;
  const done = new AbortController();
  const pasted = () => pastedRedirect(io, loopback.redirectUri, done.signal).then((params) => authorizationCode(params, state));
  const contenders = [
    loopback.result,
    sleep(timeoutMs, undefined, { signal: done.signal }).then(() => Promise.reject(timedOut(timeoutMs))),
  ];
  if (setup.browser) {
    io.notice(`opening a browser to sign in to Google; if none opens, open this address in one:\n  ${url}`);
    const noBrowser = io.openBrowser(url).then(
      () => new Promise<string>(() => undefined), // the loopback or the timeout decides
      (error: unknown) => {
        io.warn(`could not open a browser (${(error as Error).message}); open the address above yourself`);
        return pasted();
      },
    );
    contenders.push(noBrowser);
  } else {
    io.notice(
      `to link "${setup.name}", open this address in a browser (on any machine) and sign in to Google:\n  ${url}\n` +
        `After you allow access the browser is sent to ${loopback.redirectUri}…; if that page does not load (the browser is on another machine), copy the whole address from its address bar and paste it here.`,
    );
    contenders.push(pasted());
  }
  try {
    return await Promise.race(contenders);
  } finally {
    done.abort();
  }
}

async function pastedRedirect(io: SignInIo, redirectUri: string, signal: AbortSignal): Promise<URLSearchParams> {
  for (;;) {
    const line = (await io.readLine('address from the browser: ', signal)).trim();
    if (!line) continue;
    try {
      return new URL(line).searchParams;
    } catch {
      io.warn(`that is not an address; paste the whole address from the browser's address bar (it starts with ${redirectUri})`);
    }
  }
}

/** The authorization code in a redirect, after the `state` check that ties the answer to this sign-in. */
function authorizationCode(params: URLSearchParams, state: string): string {
  if (params.get('state') !== state) {
    throw new InputError(
      'the sign-in answer does not belong to this sign-in (its "state" does not match); nothing was saved. Run the command again and use the address it prints',
    );
  }
  const error = params.get('error');
  if (error === 'access_denied')
    throw new StopError('sign-in cancelled: access was not allowed on the Google consent screen; nothing was saved');
  if (error)
    throw new StopError(
      `Google did not complete the sign-in (${error}${params.get('error_description') ? `: ${params.get('error_description')}` : ''}); nothing was saved`,
    );
  const code = params.get('code');
  if (!code) throw new InputError('the address from the browser has no authorization code; nothing was saved. Run the command again');
  return code;
}

function timedOut(ms: number): StopError {
  const wait = ms >= 60_000 ? `${Math.round(ms / 60_000)} minute(s)` : `${Math.round(ms / 1000)} second(s)`;
  return new StopError(`no answer from the Google sign-in within ${wait}; nothing was saved. Run the command again`);
}

async function exchange(client: OAuth2Client, code: string, codeVerifier: string, redirectUri: string): Promise<Credentials> {
  try {
    return (await client.getToken({ code, codeVerifier, redirect_uri: redirectUri })).tokens;
  } catch (error) {
    throw tokenRefusal(error);
  }
}

function tokenRefusal(error: unknown): MailshotError {
  const response = (error as { response?: { status: number; data?: unknown } }).response;
  if (!response)
    return new StopError(
      `cannot reach Google to finish the sign-in (${(error as Error).message}); nothing was saved. Check the network and run the command again`,
    );
  const { reasons, text } = httpFacts(response.status, response.data);
  const said = `${reasons[0] ?? response.status}${text ? `: ${text}` : ''}`;
  if (reasons.includes('invalid_client') || reasons.includes('unauthorized_client')) {
    return new StopError(
      `Google did not accept the OAuth client (${said}); check --client-id and the client secret of your "Desktop app" client; nothing was saved`,
    );
  }
  return new StopError(`Google refused to finish the sign-in (${said}); nothing was saved. Run the command again`);
}

function grantOf(tokens: Credentials, setup: GoogleSetup, io: SignInIo): Grant {
  const granted = (tokens.scope ?? '').split(' ');
  if (!allows(granted, 'send')) {
    throw new StopError(
      'permission to send email was not given on the Google consent screen; nothing was saved. Run the command again and allow mailshot to send email on your behalf',
    );
  }
  if (!tokens.refresh_token)
    throw new StopError('Google returned no refresh token, so mailshot could not send later; nothing was saved. Run the command again');
  const reconcile = setup.reconcile && allows(granted, 'lookUp');
  if (setup.reconcile && !reconcile) {
    io.warn(
      'permission to read your messages was not given: recipients left in doubt by a crash cannot be looked up in Sent and are resent instead',
    );
  }
  const readMail = Boolean(setup.readMail) && allows(granted, 'lookUp');
  if (setup.readMail && !readMail)
    io.warn('permission to read your messages was not given: `mailshot bounces check` cannot read bounces from this account');
  return { address: addressOf(tokens.id_token, setup.clientId), refreshToken: tokens.refresh_token, reconcile, readMail };
}

/**
 * The account's address: the `email` claim of the ID token. The token came straight from Google's token
 * endpoint over TLS, which OpenID Connect Core (3.1.3.7) accepts in place of checking its signature.
 */
function addressOf(idToken: string | null | undefined, clientId: string): string {
  try {
    const claims = JSON.parse(Buffer.from(idToken!.split('.')[1]!, 'base64url').toString('utf8')) as { aud?: string; email?: unknown };
    if (claims.aud === clientId && typeof claims.email === 'string' && claims.email) return claims.email;
  } catch {
    // reported below
  }
  throw new StopError("Google's answer did not say which address signed in (no usable ID token); nothing was saved. Run the command again");
}
