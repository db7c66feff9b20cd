import path from 'node:path';
import type { Account } from '../accounts/account.js';
import { credentialOf } from '../auth/credentials.js';
import { AccountRegistry } from '../accounts/registry.js';
import { InputError, LaterError, StopError } from '../errors.js';
import { acquireLock } from '../store/lock.js';
import { identityOf } from '../suppress/identity.js';
import { SuppressionList } from '../suppress/list.js';
import { createOwnerOnlyFolder } from '../system/owner-only.js';
import { indexedCampaigns } from './campaign-index.js';
import { bouncesDir, readCursor, writeCursor } from './cursor.js';
import type { ReadRequest } from './imap.js';
import { MailboxProcessor, type CheckSummary } from './process.js';

export interface CheckRequest {
  account: string;
  since?: Date;
}

export interface CheckResult extends CheckSummary {
  account: string;
  identity: string;
}

/**
 * `bounces check ACCOUNT`: reads what arrived in the account's mailbox since the last check, under a
 * lock of its own (cron and a person never read at once), and remembers where it stopped.
 */
export async function checkBounces(request: CheckRequest): Promise<CheckResult> {
  const account = (await AccountRegistry.open()).get(request.account);
  const identity = identityOf(account);
  await createOwnerOnlyFolder(bouncesDir());
  const release = await acquireLock(path.join(bouncesDir(), `${account.name}.lock`)).catch((error: unknown) => {
    if (error instanceof LaterError)
      throw new LaterError(
        `another \`mailshot bounces check ${account.name}\` is reading this mailbox; nothing was done. Try again when it has finished`,
      );
    throw error;
  });
  try {
    const processor = new MailboxProcessor(await indexedCampaigns(identity), await SuppressionList.open(identity));
    const cursor = await readCursor(account.name);
    const save = () => writeCursor(account.name, cursor);
    try {
      await readMailbox(account, { cursor, since: request.since, handle: (message) => processor.handle(message), save });
    } finally {
      await processor.finish();
      await save();
    }
    return { account: account.name, identity, ...processor.summary };
  } finally {
    await release();
  }
}

async function readMailbox(account: Account, request: ReadRequest): Promise<void> {
  switch (account.kind) {
    case 'smtp': {
      const { readImapMailbox } = await import('./imap.js');
      return readImapMailbox(account, await credentialOf(account), request);
    }
    case 'ses':
      throw new InputError(
        `"${account.name}" is an Amazon SES account, which has no mailbox: SES forwards bounces and complaints to the From address; check that mailbox with an SMTP account of its own`,
      );
    case 'google':
    case 'microsoft': {
      const { readApiMailbox } = await import('./api-mailbox.js');
      return readApiMailbox(account, request).catch((error: unknown) => {
        if (!isDeliveryFailure(error)) throw error;
        const message = `reading the mailbox of "${account.name}": ${error.message}`;
        // what was handled is saved; the next check continues from there
        throw error.kind === 'auth' || error.kind === 'config'
          ? new StopError(message)
          : new LaterError(`${message}; run \`mailshot bounces check ${account.name}\` again later`);
      });
    }
  }
}

/** A transport's DeliveryError (classified: auth, config, transient …), told by its shape: bounces/ does not import transports/. */
function isDeliveryFailure(error: unknown): error is Error & { kind: string } {
  return error instanceof Error && error.name === 'DeliveryError' && typeof (error as { kind?: unknown }).kind === 'string';
}
