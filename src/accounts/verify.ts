import { transportFor } from './open-account.js';
import { DeliveryError } from '../transports/transport.js';
import type { Account } from './account.js';
import { credentialOf } from '../auth/credentials.js';
import { DeadlineError, signInDeadlineMs, withDeadline } from '../system/deadline.js';
import { AccountRegistry } from './registry.js';

export type VerifyResult =
  { account: Account; ok: true; facts: Record<string, string> } | { account: Account; ok: false; error: DeliveryError };

/** Connects and signs in with the account's settings and secret, sending nothing. */
export async function verifyAccount(name: string): Promise<VerifyResult> {
  const account = (await AccountRegistry.open()).get(name);
  const transport = await transportFor(account);
  try {
    const info = await withDeadline(signInDeadlineMs(), undefined, (stop) => transport.verify(stop)).catch((error: unknown) => {
      throw error instanceof DeadlineError ? new DeliveryError('transient', `signing in ${error.message}`) : error;
    });
    if (account.kind === 'smtp' && account.imap) {
      // the mailbox `bounces check` reads, when one is configured: a wrong setting is an error here (exit 1), named
      const { verifyImap } = await import('./imap-connect.js');
      info.facts.imap = await verifyImap(account, await credentialOf(account));
    }
    return { account, ok: true, facts: info.facts };
  } catch (error) {
    if (!(error instanceof DeliveryError)) throw error;
    return { account, ok: false, error };
  } finally {
    await transport.close();
  }
}
