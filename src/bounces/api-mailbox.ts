import type { GoogleAccount, MicrosoftAccount } from '../accounts/account.js';
import { StopError } from '../errors.js';
import type { ReadRequest } from './imap.js';

/** Gmail API and Microsoft Graph mailboxes. */
export async function readApiMailbox(account: GoogleAccount | MicrosoftAccount, _request: ReadRequest): Promise<void> {
  throw new StopError(`reading the mailbox of ${account.kind} account "${account.name}" is not built yet`);
}
