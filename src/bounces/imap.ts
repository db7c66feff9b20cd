import type { FetchMessageObject, ImapFlow } from 'imapflow';
import type { SmtpAccount } from '../accounts/account.js';
import { imapSettingsOf, type ImapSettings } from '../accounts/imap-settings.js';
import { LaterError, StopError } from '../errors.js';
import { connect } from '../accounts/imap-connect.js';
import { credentialRedactor, redactError } from '../system/redact.js';
import type { MailboxCursor } from './cursor.js';
import { maxMessageBytes, type MailboxMessage } from './process.js';

export interface ReadRequest {
  cursor: MailboxCursor;
  since?: Date;
  handle: (message: MailboxMessage) => Promise<void>;
  /** Called after each batch and before giving up: the cursor names the last message handled. */
  save: (cursor: MailboxCursor) => Promise<void>;
}

/** Messages fetched at once: at most this many, and no more bytes than this in one batch (memory stays bounded). */
const batchMessages = 100;
const batchBytes = 32 * 1024 * 1024;
/** Reconnections after a dropped connection that made no progress, before giving up (exit 75): batches of 100, 12, 1. */
const maxDrops = 3;
export const firstWindowMs = 30 * 24 * 3600_000;

/**
 * Reads the INBOX read-only (EXAMINE: flags untouched) from the UID after the cursor, in UID order,
 * and hands each message over. A dropped connection is reopened and reading continues after the last
 * message handled; UIDVALIDITY changing means the UIDs were renumbered: the mailbox is read again.
 */
export async function readImapMailbox(account: SmtpAccount, password: string | undefined, request: ReadRequest): Promise<void> {
  const settings = imapSettingsOf(account);
  let drops = 0;
  let batchLimit = batchMessages;
  for (;;) {
    const before = request.cursor.imap?.lastUid;
    try {
      await readSession(account, settings, password, request, batchLimit);
      return;
    } catch (caught) {
      if (caught instanceof StopError || caught instanceof LaterError) throw caught;
      const error = redactError(caught, credentialRedactor({ user: account.user, password }));
      await request.save(request.cursor);
      const progressed = request.cursor.imap?.lastUid !== before;
      drops = progressed ? 1 : drops + 1;
      // a connection that drops before a batch arrives whole makes no progress with batches that size: smaller ones do
      if (!progressed) batchLimit = Math.max(1, Math.floor(batchLimit / 8));
      if (drops > maxDrops) {
        throw new LaterError(
          `the IMAP server ${settings.host}:${settings.port} dropped the connection (${(error as Error).message}); read up to UID ${request.cursor.imap?.lastUid ?? 0}. Run \`mailshot bounces check\` again later: it continues there`,
        );
      }
    }
  }
}

async function readSession(
  account: SmtpAccount,
  settings: ImapSettings,
  password: string | undefined,
  request: ReadRequest,
  batchLimit: number,
): Promise<void> {
  const client = await connect(account, settings, password);
  try {
    const lock = await client.getMailboxLock('INBOX', { readOnly: true });
    try {
      const uidValidity = String(client.mailbox && client.mailbox.uidValidity);
      // A first check reads the last 30 days, not years of mail
      const since = request.since ?? (request.cursor.imap ? undefined : new Date(Date.now() - firstWindowMs));
      if (request.cursor.imap?.uidValidity !== uidValidity) request.cursor.imap = { uidValidity, lastUid: 0 };
      const cursor = request.cursor.imap;
      const found = await client.search({ uid: `${cursor.lastUid + 1}:*`, ...(since ? { since } : {}) }, { uid: true });
      const uids = (found || []).filter((uid) => uid > cursor.lastUid).sort((a, b) => a - b);
      for (let start = 0; start < uids.length; start += 1000) {
        for (const batch of await batchesBySize(client, uids.slice(start, start + 1000), batchLimit)) {
          await readBatch(client, batch, uidValidity, request);
          await request.save(request.cursor);
        }
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
}

interface Sized {
  uid: number;
  size: number;
  receivedAt?: Date;
}

/** Sizes first (cheap), so that batches hold a bounded number of bytes and oversized messages are never fetched. */
async function batchesBySize(client: ImapFlow, uids: number[], limit: number): Promise<Sized[][]> {
  const sized: Sized[] = [];
  for await (const message of client.fetch(uids.join(','), { uid: true, size: true, internalDate: true }, { uid: true })) {
    sized.push({ uid: message.uid, size: message.size ?? 0, receivedAt: asDate(message.internalDate) });
  }
  sized.sort((a, b) => a.uid - b.uid);
  const batches: Sized[][] = [];
  let bytes = Infinity;
  for (const message of sized) {
    const counted = message.size > maxMessageBytes ? 0 : message.size;
    if (bytes + counted > batchBytes || batches.at(-1)!.length >= limit) {
      batches.push([]);
      bytes = 0;
    }
    batches.at(-1)!.push(message);
    bytes += counted;
  }
  return batches;
}

/**
 * Each message is handed over as it arrives (the cursor moves with it), so a connection dropped mid-batch
 * loses nothing already handled; oversized messages are handed over, unread, in their place in UID order.
 */
async function readBatch(client: ImapFlow, batch: Sized[], uidValidity: string, request: ReadRequest): Promise<void> {
  let next = 0;
  const handleUpTo = async (uid: number, raw?: Buffer) => {
    for (; next < batch.length && batch[next].uid <= uid; next++) {
      const message = batch[next];
      const gone = message.uid !== uid && message.size <= maxMessageBytes; // expunged since its size was read
      if (!gone)
        await request.handle({
          key: `imap:${uidValidity}:${message.uid}`,
          size: message.size,
          raw: message.uid === uid ? raw : undefined,
          receivedAt: message.receivedAt,
        });
      request.cursor.imap = { uidValidity, lastUid: message.uid };
    }
  };
  const wanted = batch.filter((message) => message.size <= maxMessageBytes).map((message) => message.uid);
  if (wanted.length) {
    for await (const message of client.fetch(
      wanted.join(','),
      { uid: true, source: true },
      { uid: true },
    ) as AsyncGenerator<FetchMessageObject>) {
      await handleUpTo(message.uid, message.source);
    }
  }
  await handleUpTo(Infinity);
}

function asDate(value: Date | string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
