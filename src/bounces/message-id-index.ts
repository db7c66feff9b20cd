import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { messageIdFor } from '../campaign/compose.js';
import { openOwnerOnly, writeOwnerOnly } from '../system/owner-only.js';
import type { IndexedCampaign } from './campaign-index.js';

/**
 * Which recipient a Message-ID of one campaign was sent to, for reports that name no usable address
 * (RFC 6590 redacted complaints, a forwarder's rewrite). `<state>/message-ids.idx`: a header, then
 * 16-byte records sorted by key — 8 bytes of sha256(lower-case Message-ID), 8 bytes of the journal
 * offset of the `attempt` line that carried it. A look-up is a binary search (about 20 reads at 1 M
 * recipients) and a read of the journal line it points to, which proves the match. The file is brought
 * up to date from where it stopped in the journal, so each check reads only the journal's new lines.
 */
const indexName = 'message-ids.idx';
const magic = Buffer.from('MSMIDX01');
const headerBytes = 32; // magic, journal inode, journal bytes indexed, record count
const recordBytes = 16;
const chunkBytes = 1 << 20;
/** An `attempt` line is an address and a few fields: far below this. */
const maxLineBytes = 8192;

interface Header {
  inode: bigint;
  indexed: number;
  count: number;
}

export function messageIdKey(messageId: string): bigint {
  return createHash('sha256').update(messageId.trim().toLowerCase()).digest().readBigUInt64BE(0);
}

/** The recipient the campaign sent `messageId` to, or undefined; updates the index first when the journal grew. */
export async function recipientOfMessageId(campaign: IndexedCampaign, messageId: string): Promise<string | undefined> {
  const journalFile = path.join(campaign.stateDir, 'journal.jsonl');
  const journal = await openOwnerOnly(journalFile, 'r');
  if (!journal) return undefined;
  try {
    const index = await updatedIndex(campaign, journal);
    return await lookUp(index, journal, (line) => messageIdOfLine(campaign, line), messageId);
  } finally {
    await journal.close();
  }
}

/** Brings the index up to the journal's last whole line (rewritten atomically when it grew); returns its path. */
async function updatedIndex(campaign: IndexedCampaign, journal: FileHandle): Promise<string> {
  const file = path.join(campaign.stateDir, indexName);
  const { ino, size } = await journal.stat({ bigint: true });
  const existing = await openOwnerOnly(file, 'r');
  let header: Header = { inode: ino, indexed: 0, count: 0 };
  let valid: boolean;
  let records: Buffer = Buffer.alloc(0);
  try {
    const read = existing && (await readHeader(existing));
    // a journal replaced (repair, a restore) or cut shorter than what was indexed: index it again from the start
    valid = !!read && read.inode === ino && read.indexed <= Number(size);
    if (valid) header = read!;
    if (valid && header.indexed === Number(size)) return file;
    if (valid && header.count) records = await readRecords(existing!, header.count);
  } finally {
    await existing?.close();
  }
  const { added, indexedTo } = await attemptsAfter(campaign, journal, header.indexed, Number(size));
  if (valid && indexedTo === header.indexed) return file;
  const merged = mergeRecords(records, added);
  const out = Buffer.alloc(headerBytes + merged.length);
  magic.copy(out, 0);
  out.writeBigUInt64BE(ino, 8);
  out.writeBigUInt64BE(BigInt(indexedTo), 16);
  out.writeBigUInt64BE(BigInt(merged.length / recordBytes), 24);
  merged.copy(out, headerBytes);
  await writeOwnerOnly(file, out);
  return file;
}

async function readHeader(handle: FileHandle): Promise<Header | undefined> {
  const bytes = Buffer.alloc(headerBytes);
  const { bytesRead } = await handle.read(bytes, 0, headerBytes, 0);
  if (bytesRead < headerBytes || !bytes.subarray(0, 8).equals(magic)) return undefined;
  const header = { inode: bytes.readBigUInt64BE(8), indexed: Number(bytes.readBigUInt64BE(16)), count: Number(bytes.readBigUInt64BE(24)) };
  const { size } = await handle.stat();
  return size === headerBytes + header.count * recordBytes ? header : undefined;
}

async function readRecords(handle: FileHandle, count: number): Promise<Buffer> {
  const bytes = Buffer.alloc(count * recordBytes);
  await handle.read(bytes, 0, bytes.length, headerBytes);
  return bytes;
}

/**
 * The `attempt` lines between `from` and the journal's last whole line, as sorted records. A line
 * carries its Message-ID (`mid`) or, from runs before it was recorded, the one compose derives.
 */
async function attemptsAfter(
  campaign: IndexedCampaign,
  journal: FileHandle,
  from: number,
  size: number,
): Promise<{ added: Buffer; indexedTo: number }> {
  const entries = new Map<bigint, number>();
  let start = from;
  let carry = Buffer.alloc(0);
  const chunk = Buffer.alloc(chunkBytes);
  for (let position = from; position < size;) {
    const { bytesRead } = await journal.read(chunk, 0, Math.min(chunkBytes, size - position), position);
    if (!bytesRead) break;
    position += bytesRead;
    const text = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
    let lineStart = 0;
    for (let end = text.indexOf(10); end >= 0; end = text.indexOf(10, lineStart)) {
      const messageId = messageIdOfLine(campaign, text.subarray(lineStart, end));
      if (messageId) {
        const key = messageIdKey(messageId);
        if (!entries.has(key)) entries.set(key, start + lineStart);
      }
      lineStart = end + 1;
    }
    start += lineStart;
    carry = Buffer.from(text.subarray(lineStart));
  }
  const keys = [...entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const added = Buffer.alloc(keys.length * recordBytes);
  keys.forEach((key, index) => {
    added.writeBigUInt64BE(key, index * recordBytes);
    added.writeBigUInt64BE(BigInt(entries.get(key)!), index * recordBytes + 8);
  });
  return { added, indexedTo: start };
}

const attemptMark = Buffer.from('"ev":"attempt"');

function messageIdOfLine(campaign: IndexedCampaign, line: Buffer): string | undefined {
  if (!line.includes(attemptMark)) return undefined;
  try {
    const event = JSON.parse(line.toString('utf8')) as { ev?: unknown; to?: unknown; mid?: unknown };
    if (event.ev !== 'attempt' || typeof event.to !== 'string') return undefined;
    return typeof event.mid === 'string' ? event.mid : messageIdFor(campaign.campaignId, event.to, campaign.from);
  } catch {
    return undefined; // a damaged line is the journal reader's to report; it names no recipient here
  }
}

/** Two sorted runs of records into one. */
function mergeRecords(old: Buffer, added: Buffer): Buffer {
  const out = Buffer.alloc(old.length + added.length);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < old.length || j < added.length) {
    const takeOld = j >= added.length || (i < old.length && old.readBigUInt64BE(i) <= added.readBigUInt64BE(j));
    const source = takeOld ? old : added;
    const at = takeOld ? i : j;
    source.copy(out, o, at, at + recordBytes);
    o += recordBytes;
    if (takeOld) i += recordBytes;
    else j += recordBytes;
  }
  return out;
}

/** Binary search for the key, then each record with it (a hash collision is possible) is checked against its journal line. */
async function lookUp(
  file: string,
  journal: FileHandle,
  messageIdOf: (line: Buffer) => string | undefined,
  messageId: string,
): Promise<string | undefined> {
  const index = await openOwnerOnly(file, 'r');
  if (!index) return undefined;
  try {
    const header = await readHeader(index);
    if (!header) return undefined;
    const key = messageIdKey(messageId);
    const record = Buffer.alloc(recordBytes);
    const keyAt = async (position: number) => {
      await index.read(record, 0, recordBytes, headerBytes + position * recordBytes);
      return record.readBigUInt64BE(0);
    };
    let low = 0;
    let high = header.count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((await keyAt(middle)) < key) low = middle + 1;
      else high = middle;
    }
    for (let position = low; position < header.count && (await keyAt(position)) === key; position++) {
      const recipient = await recipientAt(journal, Number(record.readBigUInt64BE(8)), messageIdOf, messageId);
      if (recipient) return recipient;
    }
    return undefined;
  } finally {
    await index.close();
  }
}

/** The recipient of the `attempt` line at `offset`, when it really carried `messageId`. */
async function recipientAt(
  journal: FileHandle,
  offset: number,
  messageIdOf: (line: Buffer) => string | undefined,
  messageId: string,
): Promise<string | undefined> {
  const bytes = Buffer.alloc(maxLineBytes);
  const { bytesRead } = await journal.read(bytes, 0, bytes.length, offset);
  const end = bytes.subarray(0, bytesRead).indexOf(10);
  if (end < 0) return undefined;
  const line = bytes.subarray(0, end);
  if (messageIdOf(line)?.toLowerCase() !== messageId.trim().toLowerCase()) return undefined;
  return (JSON.parse(line.toString('utf8')) as { to: string }).to;
}
