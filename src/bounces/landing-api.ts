import type { GoogleAccount, MicrosoftAccount } from '../accounts/account.js';
import { transportFor } from '../accounts/open-account.js';
import { requireReadMail } from './api-mailbox.js';
import { authenticationResultsOf, type Landing } from './auth-results.js';

/** What the Gmail transport offers for finding a message (accounts linked with --read-mail). */
interface GmailLookup {
  listMessages(q: string): Promise<{ ids: string[] }>;
  rawMessage(id: string): Promise<{ raw: Buffer; labelIds: string[] }>;
}

/** What the Graph transport offers. */
interface GraphLookup {
  messageInFolder(folder: 'inbox' | 'junkemail', messageId: string): Promise<string | undefined>;
  mimeOf(id: string): Promise<Buffer>;
}

/** One look for the message in the account's Inbox and spam folder through its API; undefined while it is not there. */
export async function apiLandingLookup(
  account: GoogleAccount | MicrosoftAccount,
  messageId: string,
): Promise<() => Promise<Landing | undefined>> {
  requireReadMail(account);
  const transport = await transportFor(account);
  return account.kind === 'google'
    ? gmailLookup(transport as unknown as GmailLookup, messageId)
    : graphLookup(transport as unknown as GraphLookup, messageId);
}

/** Gmail: `in:anywhere rfc822msgid:…` (spam included), then the message's labels: INBOX or SPAM. */
function gmailLookup(gmail: GmailLookup, messageId: string): () => Promise<Landing | undefined> {
  return async () => {
    const { ids } = await gmail.listMessages(`in:anywhere rfc822msgid:${messageId.replace(/^<|>$/g, '')}`);
    for (const id of ids) {
      const { raw, labelIds } = await gmail.rawMessage(id);
      const folder = labelIds.includes('SPAM') ? 'Spam' : labelIds.includes('INBOX') ? 'INBOX' : undefined;
      if (folder) return { folder, junk: folder === 'Spam', authenticationResults: authenticationResultsOf(raw) };
    }
    return undefined;
  };
}

/** Graph: the Inbox, then Junk Email, filtered by internetMessageId. */
function graphLookup(graph: GraphLookup, messageId: string): () => Promise<Landing | undefined> {
  return async () => {
    for (const [folder, name] of [
      ['inbox', 'Inbox'],
      ['junkemail', 'Junk Email'],
    ] as const) {
      const id = await graph.messageInFolder(folder, messageId);
      if (id) return { folder: name, junk: folder === 'junkemail', authenticationResults: authenticationResultsOf(await graph.mimeOf(id)) };
    }
    return undefined;
  };
}
