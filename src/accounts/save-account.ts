import { StopError } from '../errors.js';
import type { Account } from './account.js';
import type { AccountRegistry } from './registry.js';
import { storeSecret } from '../auth/secrets.js';

/**
 * Saves a new account and its secret in an order a crash (kill -9) cannot tear: first the record,
 * marked `secret: "pending"`; then the secret; then the record again, naming where the secret went.
 * Killed after the first step, the pending record is what `accounts remove NAME` finds, and it deletes
 * the secret from wherever it may have got to; killed after the last, the account is complete. A
 * failure to store the secret removes the pending record again.
 */
export async function saveNewAccount<A extends Account>(
  registry: AccountRegistry,
  account: A,
  secret: string,
  warn: (message: string) => void,
): Promise<A> {
  registry.put({ ...account, secret: 'pending' });
  crashHereForTests('record');
  let saved: A;
  try {
    saved = { ...account, secret: await storeSecret(account.name, secret, warn) };
  } catch (error) {
    registry.remove(account.name);
    throw error;
  }
  crashHereForTests('secret');
  registry.put(saved);
  return saved;
}

/** An account whose `accounts add` was interrupted cannot send: it says how to clear it. */
export function refuseIncomplete(account: Account): void {
  if (account.secret !== 'pending') return;
  throw new StopError(
    `account "${account.name}" was not completely added (\`mailshot accounts add\` was interrupted); ` +
      `run \`mailshot accounts remove ${account.name}\`, then add it again`,
  );
}

/**
 * Test seam, documented in the README (Development): MAILSHOT_TEST_CRASH_ACCOUNT_ADD=record|secret
 * kills this process with SIGKILL right after that step, as a crash there would, so that the tests
 * can check what `accounts remove` does with what is left.
 */
function crashHereForTests(step: 'record' | 'secret'): void {
  if (process.env.MAILSHOT_TEST_CRASH_ACCOUNT_ADD === step) process.kill(process.pid, 'SIGKILL');
}
