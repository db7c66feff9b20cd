import { createHash } from 'node:crypto';
import { isRecipient, type Recipient } from './recipients.js';
import { recipientsOf, type PreparedCampaign } from './prepare.js';

/** How the list differs from the one a campaign started with. */
export interface ListChanges {
  added: number;
  removed: number;
  changed: number;
}

/**
 * The recipients of a list as two sorted sets of 64-bit hashes: of each address, and of each row (address
 * and values). 16 bytes a recipient, kept in the state folder at a first send, so that a resume or a status
 * can say how many rows were added, removed or changed since, whatever the order of the rows.
 */
export class ListDigest {
  private keys: bigint[] = [];
  private rows: bigint[] = [];

  add(recipient: Recipient): void {
    this.keys.push(hash64(recipient.key));
    this.rows.push(hash64(`${recipient.key}\0${Object.values(recipient.fields).join('\0')}`));
  }

  toBuffer(): Buffer {
    const keys = BigUint64Array.from(this.keys).sort();
    const rows = BigUint64Array.from(this.rows).sort();
    return Buffer.concat([Buffer.from(keys.buffer), Buffer.from(rows.buffer)]);
  }

  /** What changed from the list `before` (a `toBuffer()`) to this one; undefined when `before` is not one. */
  changesSince(before: Buffer): ListChanges | undefined {
    if (before.length % 16 !== 0) return undefined;
    const half = before.length / 2;
    const copy = (start: number) => new BigUint64Array(Uint8Array.prototype.slice.call(before, start, start + half).buffer);
    const [keysBefore, rowsBefore] = [copy(0), copy(half)];
    const now = this.toBuffer();
    const nowHalf = now.length / 2;
    const keysNow = new BigUint64Array(now.buffer, now.byteOffset, nowHalf / 8);
    const rowsNow = new BigUint64Array(now.buffer, now.byteOffset + nowHalf, nowHalf / 8);
    const added = onlyIn(keysNow, keysBefore);
    return { added, removed: onlyIn(keysBefore, keysNow), changed: onlyIn(rowsNow, rowsBefore) - added };
  }
}

/** Reads the whole list as it is now. */
export async function digestOfList(campaign: PreparedCampaign): Promise<ListDigest> {
  const digest = new ListDigest();
  for await (const row of recipientsOf(campaign)) if (isRecipient(row)) digest.add(row);
  return digest;
}

/** "2 row(s) added, 1 removed, 1 changed", or undefined when nothing changed. */
export function listChangesText(changes: ListChanges | undefined): string | undefined {
  if (!changes || (!changes.added && !changes.removed && !changes.changed)) return undefined;
  return `${changes.added} recipient(s) added, ${changes.removed} removed, ${changes.changed} changed`;
}

function hash64(text: string): bigint {
  return createHash('md5').update(text).digest().readBigUInt64LE(0);
}

/** How many values of sorted `a` are not in sorted `b`. */
function onlyIn(a: BigUint64Array, b: BigUint64Array): number {
  let count = 0;
  let j = 0;
  for (const value of a) {
    while (j < b.length && b[j] < value) j++;
    if (j >= b.length || b[j] !== value) count++;
  }
  return count;
}
