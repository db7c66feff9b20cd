import type { GoogleAccount, MicrosoftAccount } from '../accounts/account.js';
import { transportFor } from '../accounts/open-account.js';
import { StopError } from '../errors.js';
import type { MailboxCursor } from './cursor.js';
import { firstWindowMs, type ReadRequest } from './imap.js';
import { maxMessageBytes } from './process.js';

const dayMs = 24 * 3600_000;
/** A message may show up in a search a little after it arrived: each check looks back a day before the newest one handled. */
const lookBackMs = dayMs;
const saveEvery = 50;

/**
 * Gmail (`users.messages.list` with `in:inbox after:…`, then `messages.get` format `raw`) and Graph (the
 * Inbox's messages received since …, then `/$value`): ids already handled within the look-back window are
 * remembered in the cursor, so none is counted twice.
 */
export async function readApiMailbox(account: GoogleAccount | MicrosoftAccount, request: ReadRequest): Promise<void> {
  requireReadMail(account);
  const cursor = request.cursor;
  const start = request.since ?? new Date(cursor.newest !== undefined ? cursor.newest - lookBackMs : Date.now() - firstWindowMs);
  const seen = (cursor.seen ??= {});
  const mailbox = account.kind === 'google' ? await gmailMailbox(account) : await graphMailbox(account);
  let handled = 0;
  for await (const item of mailbox.list(start)) {
    const { id } = item;
    if (seen[id] !== undefined) continue;
    const { raw, receivedAt = item.receivedAt } = await mailbox.raw(id);
    await request.handle({
      key: `${account.kind}:${id}`,
      size: raw.length,
      raw: raw.length > maxMessageBytes ? undefined : raw,
      receivedAt,
    });
    seen[id] = receivedAt?.getTime() ?? Date.now();
    cursor.newest = Math.max(cursor.newest ?? 0, seen[id]);
    if (++handled % saveEvery === 0) await request.save(cursor);
  }
  prune(cursor);
}

/** Reading the mailbox needs the account linked with --read-mail. */
export function requireReadMail(account: GoogleAccount | MicrosoftAccount): void {
  if (account.readMail) return;
  throw new StopError(
    `account "${account.name}" was linked without permission to read mail; link it again with --read-mail: ` +
      `mailshot accounts remove ${account.name}, then mailshot accounts add ${account.kind} ${account.name} --client-id … --read-mail`,
  );
}

/** What the Gmail transport offers for reading (accounts linked with --read-mail). */
interface GmailReading {
  listMessages(q: string, pageToken?: string): Promise<{ ids: string[]; nextPageToken?: string }>;
  rawMessage(id: string): Promise<{ raw: Buffer; receivedAt?: Date }>;
}

/** What the Graph transport offers for reading. */
interface GraphReading {
  listInbox(since: Date, next?: string): Promise<{ items: { id: string; receivedAt: Date }[]; next?: string }>;
  mimeOf(id: string): Promise<Buffer>;
}

interface ApiMailbox {
  /** Messages received from `start` on (ids first: small, so a large window costs little memory). */
  list(start: Date): AsyncGenerator<{ id: string; receivedAt?: Date }>;
  raw(id: string): Promise<{ raw: Buffer; receivedAt?: Date }>;
}

async function gmailMailbox(account: GoogleAccount): Promise<ApiMailbox> {
  const gmail = (await transportFor(account)) as unknown as GmailReading;
  return {
    async *list(start) {
      const ids: string[] = [];
      let pageToken: string | undefined;
      do {
        const page = await gmail.listMessages(`in:inbox after:${Math.floor(start.getTime() / 1000)}`, pageToken);
        ids.push(...page.ids);
        pageToken = page.nextPageToken;
      } while (pageToken);
      for (const id of ids.reverse()) yield { id }; // Gmail lists newest first
    },
    raw: (id) => gmail.rawMessage(id),
  };
}

async function graphMailbox(account: MicrosoftAccount): Promise<ApiMailbox> {
  const graph = (await transportFor(account)) as unknown as GraphReading;
  return {
    async *list(start) {
      let next: string | undefined;
      do {
        const page = await graph.listInbox(start, next);
        yield* page.items;
        next = page.next;
      } while (next);
    },
    raw: async (id) => ({ raw: await graph.mimeOf(id) }),
  };
}

/** Ids older than the look-back window can no longer come up: forget them. */
function prune(cursor: MailboxCursor): void {
  if (!cursor.seen || cursor.newest === undefined) return;
  const oldest = cursor.newest - 2 * lookBackMs;
  for (const [id, at] of Object.entries(cursor.seen)) if (at < oldest) delete cursor.seen[id];
}
