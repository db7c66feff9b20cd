import { isRecipient, type Recipient } from './recipients.js';
import { recipientsOf, type CampaignList } from './campaign-list.js';

/** How the list differs from the one a campaign started with. */
export interface ListChanges {
  added: number;
  removed: number;
  changed: number;
}

/**
 * The recipients of a list as two sorted sets of 53-bit hashes: of each address, and of each row (address
 * and values). 16 bytes a recipient, kept in the state folder at a first send, so that a resume or a status
 * can say how many rows were added, removed or changed since, whatever the order of the rows.
 */
export class ListDigest {
  private keys: Float64Array = new Float64Array(1024);
  private rows: Float64Array = new Float64Array(1024);
  private size = 0;

  add(recipient: Recipient): void {
    if (this.size === this.keys.length) {
      this.keys = grown(this.keys);
      this.rows = grown(this.rows);
    }
    this.keys[this.size] = hash53(recipient.key);
    this.rows[this.size++] = hash53(`${recipient.key}\0${Object.values(recipient.fields).join('\0')}`);
  }

  toBuffer(): Buffer {
    const keys = this.keys.slice(0, this.size).sort();
    const rows = this.rows.slice(0, this.size).sort();
    return Buffer.concat([Buffer.from(keys.buffer), Buffer.from(rows.buffer)]);
  }

  /** What changed from the list `before` (a `toBuffer()`) to this one; undefined when `before` is not one. */
  changesSince(before: Buffer): ListChanges | undefined {
    if (before.length % 16 !== 0) return undefined;
    const half = before.length / 2;
    const copy = (start: number) => new Float64Array(Uint8Array.prototype.slice.call(before, start, start + half).buffer);
    const [keysBefore, rowsBefore] = [copy(0), copy(half)];
    const now = this.toBuffer();
    const nowHalf = now.length / 2;
    const keysNow = new Float64Array(now.buffer, now.byteOffset, nowHalf / 8);
    const rowsNow = new Float64Array(now.buffer, now.byteOffset + nowHalf, nowHalf / 8);
    const added = onlyIn(keysNow, keysBefore);
    return { added, removed: onlyIn(keysBefore, keysNow), changed: onlyIn(rowsNow, rowsBefore) - added };
  }
}

/** Reads the whole list as it is now. */
export async function digestOfList(campaign: CampaignList): Promise<ListDigest> {
  const digest = new ListDigest();
  for await (const row of recipientsOf(campaign)) if (isRecipient(row)) digest.add(row);
  return digest;
}

/** "2 row(s) added, 1 removed, 1 changed", or undefined when nothing changed. */
export function listChangesText(changes: ListChanges | undefined): string | undefined {
  if (!changes || (!changes.added && !changes.removed && !changes.changed)) return undefined;
  return `${changes.added} recipient(s) added, ${changes.removed} removed, ${changes.changed} changed`;
}

function grown(values: Float64Array): Float64Array {
  const larger = new Float64Array(values.length * 2);
  larger.set(values);
  return larger;
}

/** A 53-bit hash (cyrb53): exact in a double, fast on short strings; a collision only miscounts by one. */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** How many values of sorted `a` are not in sorted `b`. */
function onlyIn(a: Float64Array, b: Float64Array): number {
  let count = 0;
  let j = 0;
  for (const value of a) {
    while (j < b.length && b[j] < value) j++;
    if (j >= b.length || b[j] !== value) count++;
  }
  return count;
}
