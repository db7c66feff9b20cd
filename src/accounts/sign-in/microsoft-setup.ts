import { randomUUID } from 'node:crypto';
import type { PublicClientApplication } from '@azure/msal-node';
import { InputError, StopError } from '../../errors.js';
import { GraphTransport } from '../../transports/microsoft.js';
import { DeliveryError } from '../../transports/transport.js';
import type { AccountLimits, MicrosoftAccount } from '../account.js';
import type { CredentialStore } from '../../auth/credentials.js';
import { kindDefaults } from '../kinds.js';
import { mergeLimits } from '../limits.js';
import { IdentityFailure, MicrosoftIdentity, microsoftTokens, scopesFor } from '../../auth/microsoft-oauth.js';
import { AccountRegistry } from '../registry.js';
import { saveNewAccount } from '../save-account.js';
import type { SignInIo } from './io.js';

export interface MicrosoftSetup {
  name: string;
  clientId: string;
  tenant: string;
  deviceCode: boolean;
  reconcile: boolean;
  readMail?: boolean;
  limits: AccountLimits;
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Signs in (browser and loopback redirect, or a device code), reads the mailbox address from Graph with
 * the new tokens, then stores the token cache and the account. Nothing is stored before both succeed,
 * and a failed registry write removes the secret again: a failed, expired or declined sign-in leaves
 * neither an account nor a secret.
 */
export async function addMicrosoftAccount(setup: MicrosoftSetup, io: SignInIo): Promise<MicrosoftAccount> {
  const registry = await AccountRegistry.open();
  registry.checkNewName(setup.name);
  checkSetup(setup);
  const identity = await MicrosoftIdentity.open(setup);
  try {
    await identity.run((app) => (setup.deviceCode ? signInWithCode(app, setup, io) : signInInBrowser(app, setup, io)));
  } catch (error) {
    throw signInFailure(error, setup);
  }
  let cache = identity.serializedCache();
  const draft: CredentialStore = {
    read: async () => cache,
    write: async (value) => {
      cache = value;
    },
  };
  const address = await mailboxAddress(new GraphTransport(setup, microsoftTokens(setup, draft)));
  const account: MicrosoftAccount = {
    kind: 'microsoft',
    name: setup.name,
    address,
    clientId: setup.clientId,
    tenant: setup.tenant,
    secret: 'pending',
    reconcile: setup.reconcile,
    readMail: setup.readMail || undefined,
    limits: mergeLimits(kindDefaults.microsoft.limits, setup.limits),
    createdAt: new Date().toISOString(),
  };
  return saveNewAccount(registry, account, cache, io.warn);
}

function checkSetup({ clientId, tenant }: MicrosoftSetup): void {
  if (!guid.test(clientId)) {
    throw new InputError(
      `--client-id "${clientId}" is not an application (client) id: copy the GUID shown on your app registration's Overview page`,
    );
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(tenant)) {
    throw new InputError(`--tenant "${tenant}": use common, organizations, consumers, or your directory's tenant id or domain`);
  }
}

async function signInWithCode(app: PublicClientApplication, setup: MicrosoftSetup, io: SignInIo) {
  return app.acquireTokenByDeviceCode({
    scopes: scopesFor(setup.reconcile, setup.readMail),
    deviceCodeCallback: (response) => {
      // MSAL hands on a refused device-code request as an empty one; the identity failure carries the refusal.
      if (!response.userCode) throw new Error('no device code was issued');
      const lifetime = response.expiresIn >= 120 ? `${Math.round(response.expiresIn / 60)} minutes` : `${response.expiresIn} seconds`;
      io.notice(`${response.message} Waiting for the sign-in to finish (the code is good for ${lifetime})…`);
    },
  });
}

async function signInInBrowser(app: PublicClientApplication, setup: MicrosoftSetup, io: SignInIo) {
  return app.acquireTokenInteractive({
    scopes: scopesFor(setup.reconcile, setup.readMail),
    prompt: 'select_account',
    nonce: randomUUID(),
    openBrowser: async (url) => {
      io.notice(`sign in to Microsoft in your browser; if it does not open, visit this address (or link with --device-code):\n${url}`);
      await io.openBrowser(url).catch(() => io.warn('could not open a browser; open the address above yourself'));
    },
    successTemplate: '<p>Signed in. You can close this window and go back to mailshot.</p>',
    errorTemplate: '<p>The sign-in did not complete. Go back to mailshot for what happened.</p>',
  });
}

/** The mailbox the tokens are for, read through the same path campaigns will use. */
async function mailboxAddress(transport: GraphTransport): Promise<string> {
  try {
    return (await transport.verify()).facts.address!;
  } catch (error) {
    if (!(error instanceof DeliveryError)) throw error;
    throw new StopError(`signed in, but Microsoft Graph did not let mailshot read the mailbox (${error.message}); nothing was saved`);
  }
}

/** Wrong tenant or app registration: exit 2 (fix the command). Expired, declined or failed sign-in: exit 1. */
function signInFailure(error: unknown, { tenant, clientId }: MicrosoftSetup): unknown {
  if (!(error instanceof IdentityFailure)) return error;
  const said = error.message;
  const aadsts = /AADSTS(\d+)/.exec(said)?.[1];
  if (error.unreachable) return new StopError(`${said}; nothing was saved. Check the network connection and try again`);
  if (error.code === 'invalid_tenant' || aadsts === '90002') {
    return new InputError(
      `Microsoft does not know the tenant "${tenant}" (${said}); check --tenant: common, organizations, consumers, or your directory's tenant id or domain`,
    );
  }
  if (['invalid_client', 'unauthorized_client'].includes(error.code) || aadsts === '700016') {
    return new InputError(
      `Microsoft refused the app registration ${clientId} (${said}); check --client-id (the Application (client) ID), that the app accepts accounts of tenant "${tenant}", and that "Allow public client flows" is on`,
    );
  }
  if (['expired_token', 'code_expired', 'device_code_expired'].includes(error.code)) {
    return new StopError(
      `the sign-in code expired before the sign-in was finished (${said}); nothing was saved. Run the command again and enter the code promptly`,
    );
  }
  if (['authorization_declined', 'access_denied'].includes(error.code)) {
    return new StopError(`the sign-in was declined or cancelled (${said}); nothing was saved. Run the command again to link the account`);
  }
  return new StopError(`the Microsoft sign-in failed (${error.code}: ${said}); nothing was saved`);
}
