import { InputError } from '../errors.js';
import type { ImapFlow } from 'imapflow';
import { imapSettingsOf } from '../accounts/imap-settings.js';
import { connect } from '../accounts/imap-connect.js';
import { authenticationResultsOf, type Landing } from './auth-results.js';

export interface WaitOptions {
  timeoutMs: number;
  pollMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const junkNames = /^(junk|spam|junk e-?mail|bulk mail)$/i;

/**
 * `campaign test --check`: looks for the test message in the mailbox of the account that sent it — its
 * Inbox and its spam folder, read-only (IMAP for SMTP accounts, the Gmail API, Graph) — until it shows
 * up or the wait is over (undefined then).
 */
export async function waitForLanding(accountName: string, messageId: string, options: WaitOptions): Promise<Landing | undefined> {
  const [{ AccountRegistry }, { credentialOf }] = await Promise.all([import('../accounts/registry.js'), import('../auth/credentials.js')]);
  const account = (await AccountRegistry.open()).get(accountName);
  if (account.kind === 'ses') {
    throw new InputError(
      `"${accountName}" is an Amazon SES account: it has no mailbox to look in; --check needs an SMTP account with a mailbox, or a Google or Microsoft one`,
    );
  }
  if (account.kind !== 'smtp') {
    const { apiLandingLookup } = await import('./landing-api.js');
    return pollUntil(await apiLandingLookup(account, messageId), options);
  }
  const client = await connect(account, imapSettingsOf(account), await credentialOf(account));
  try {
    return await pollUntil(() => findOverImap(client, messageId), options);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

async function pollUntil(look: () => Promise<Landing | undefined>, options: WaitOptions): Promise<Landing | undefined> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const end = now() + options.timeoutMs;
  for (;;) {
    const found = await look();
    if (found) return found;
    const left = end - now();
    if (left <= 0) return undefined;
    await sleep(Math.min(options.pollMs, left));
  }
}

/** The INBOX, then the Junk folder (special-use \Junk, else one named Junk or Spam), searched by Message-ID. */
async function findOverImap(client: ImapFlow, messageId: string): Promise<Landing | undefined> {
  const folders = await client.list();
  const junk = folders.find((folder) => folder.specialUse === '\\Junk') ?? folders.find((folder) => junkNames.test(folder.path));
  for (const [path, isJunk] of [['INBOX', false], ...(junk ? [[junk.path, true]] : [])] as [string, boolean][]) {
    const lock = await client.getMailboxLock(path, { readOnly: true });
    try {
      const uids = (await client.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
      if (!uids.length) continue;
      const message = await client.fetchOne(String(uids[0]), { headers: ['authentication-results'] }, { uid: true });
      return { folder: path, junk: isJunk, authenticationResults: authenticationResultsOf(message ? message.headers : undefined) };
    } finally {
      lock.release();
    }
  }
  return undefined;
}
