import type { ImapFlow } from 'imapflow';
import type { SmtpAccount } from '../accounts/account.js';
import { imapSettingsOf } from '../accounts/imap-settings.js';
import { InputError } from '../errors.js';
import { connect } from './imap.js';

/** Where a test message landed in the mailbox, and what the receiving server said of its authentication. */
export interface Landing {
  folder: string;
  junk: boolean;
  /** Each Authentication-Results header's value, as the receiving server wrote it (newest first). */
  authenticationResults: string[];
}

export interface WaitOptions {
  timeoutMs: number;
  pollMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const junkNames = /^(junk|spam|junk e-?mail|bulk mail|\[gmail\]\/spam)$/i;

/**
 * Looks in the INBOX and the Junk folder (special-use \Junk, else a folder named Junk or Spam), read-only,
 * for the message with this Message-ID, until it shows up or the wait is over (undefined then).
 */
export async function waitForImapLanding(
  account: SmtpAccount,
  password: string | undefined,
  messageId: string,
  options: WaitOptions,
): Promise<Landing | undefined> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const end = now() + options.timeoutMs;
  const client = await connect(account, imapSettingsOf(account), password);
  try {
    for (;;) {
      const found = await findIn(client, messageId);
      if (found) return found;
      const left = end - now();
      if (left <= 0) return undefined;
      await sleep(Math.min(options.pollMs, left));
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
}

async function findIn(client: ImapFlow, messageId: string): Promise<Landing | undefined> {
  const folders = await client.list();
  const junk = folders.find((folder) => folder.specialUse === '\\Junk') ?? folders.find((folder) => junkNames.test(folder.path));
  for (const [path, isJunk] of [['INBOX', false], ...(junk ? [[junk.path, true]] : [])] as [string, boolean][]) {
    const lock = await client.getMailboxLock(path, { readOnly: true });
    try {
      const uids = (await client.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
      if (!uids.length) continue;
      const message = await client.fetchOne(String(uids[0]), { headers: ['authentication-results'] }, { uid: true });
      return { folder: path, junk: isJunk, authenticationResults: headerValues(message ? message.headers : undefined) };
    } finally {
      lock.release();
    }
  }
  return undefined;
}

function headerValues(headers: Buffer | undefined): string[] {
  const text = (headers?.toString('utf8') ?? '').replace(/\r?\n[ \t]+/g, ' ');
  return [...text.matchAll(/^authentication-results:[ \t]*(.*)$/gim)].map((match) => match[1]!.trim());
}

/** `campaign test --check`: waits for the test message in the mailbox of the account that sent it. */
export async function waitForLanding(accountName: string, messageId: string, options: WaitOptions): Promise<Landing | undefined> {
  const [{ AccountRegistry }, { credentialOf }] = await Promise.all([import('../accounts/registry.js'), import('../auth/credentials.js')]);
  const account = (await AccountRegistry.open()).get(accountName);
  if (account.kind !== 'smtp')
    throw new InputError(
      `--check reads the mailbox over IMAP: it works with SMTP accounts; for "${accountName}" (${account.kind}), look at the test message's headers in the mailbox`,
    );
  return waitForImapLanding(account, await credentialOf(account), messageId, options);
}
