import type { Place } from '../store/journal.js';
import type { RecipientStatus } from '../status.js';

const statuses: readonly RecipientStatus[] = ['sent', 'failed', 'skipped', 'pending', 'deferred', 'in_doubt'];
const statusCodes = new Map(statuses.map((status, code) => [status, code]));

/** What counting a recipient needs of its last event. */
export interface Counted {
  status: RecipientStatus;
  /** Failure kind or skip reason. */
  reason?: string;
  cc: number;
  bcc: number;
}

/**
 * Every recipient of a journal, in first-seen order, as a few numbers in typed arrays rather than a JS
 * object and its address: a 64-bit hash of the address (two independent 32-bit hashes) finds its slot;
 * the slot holds its last status, reason, copies and CSV line. Two addresses of one campaign sharing a
 * 64-bit hash (odds about 3 in 10⁸ at a million recipients) would be counted as one.
 */
export class RecipientTable {
  size = 0;
  private buckets = new Int32Array(1 << 12).fill(-1);
  private hashA = new Uint32Array(1 << 11);
  private hashB = new Uint32Array(1 << 11);
  private statusOf = new Uint8Array(1 << 11);
  private reasonOf = new Uint32Array(1 << 11);
  private ccOf = new Uint32Array(1 << 11);
  private bccOf = new Uint32Array(1 << 11);
  /** NaN: no CSV line known. */
  private lineOf = new Float64Array(1 << 11).fill(NaN);
  /** Where the last event's line is in the journal, when the fold was given it. */
  private startOf = new Float64Array(1 << 11);
  private bytesOf = new Uint32Array(1 << 11);
  /** Reasons by id; 0 is "none". */
  private readonly reasons: (string | undefined)[] = [undefined];
  private readonly reasonIds = new Map<string, number>();

  /** The address slotOf last found: a recipient's outcome mostly follows its attempt. */
  private last = { address: '', slot: -1 };

  /** The recipient's slot, a new one (at the end of the order) for an address not seen before. */
  slotOf(address: string): number {
    if (address === this.last.address) return this.last.slot;
    this.last = { address, slot: this.find(address) };
    return this.last.slot;
  }

  private find(address: string): number {
    if (this.size === this.hashA.length) this.grow(); // before probing: growing moves the buckets
    const [a, b] = hashes(address);
    const mask = this.buckets.length - 1;
    for (let bucket = a & mask; ; bucket = (bucket + 1) & mask) {
      const slot = this.buckets[bucket]!;
      if (slot < 0) return (this.buckets[bucket] = this.add(a, b));
      if (this.hashA[slot] === a && this.hashB[slot] === b) return slot;
    }
  }

  set(slot: number, counted: Counted, line: number | undefined): void {
    this.statusOf[slot] = statusCodes.get(counted.status)!;
    this.reasonOf[slot] = this.reasonId(counted.reason);
    this.ccOf[slot] = counted.cc;
    this.bccOf[slot] = counted.bcc;
    if (line !== undefined) this.lineOf[slot] = line;
  }

  counted(slot: number): Counted {
    return { status: this.status(slot), reason: this.reasons[this.reasonOf[slot]!], cc: this.ccOf[slot]!, bcc: this.bccOf[slot]! };
  }

  place(slot: number, place: Place): void {
    this.startOf[slot] = place.start;
    this.bytesOf[slot] = place.bytes;
  }

  placeOf(slot: number): Place {
    return { start: this.startOf[slot]!, bytes: this.bytesOf[slot]! };
  }

  status(slot: number): RecipientStatus {
    return statuses[this.statusOf[slot]!]!;
  }

  line(slot: number): number | undefined {
    const line = this.lineOf[slot]!;
    return Number.isNaN(line) ? undefined : line;
  }

  private reasonId(reason: string | undefined): number {
    if (reason === undefined) return 0;
    let id = this.reasonIds.get(reason);
    if (id === undefined) {
      id = this.reasons.push(reason) - 1;
      this.reasonIds.set(reason, id);
    }
    return id;
  }

  private add(a: number, b: number): number {
    const slot = this.size++;
    this.hashA[slot] = a;
    this.hashB[slot] = b;
    return slot;
  }

  /** Twice the slots; the buckets stay at twice the slots, so probes stay short. */
  private grow(): void {
    const length = this.hashA.length * 2;
    this.hashA = resized(this.hashA, length);
    this.hashB = resized(this.hashB, length);
    this.statusOf = resized(this.statusOf, length);
    this.reasonOf = resized(this.reasonOf, length);
    this.ccOf = resized(this.ccOf, length);
    this.bccOf = resized(this.bccOf, length);
    this.lineOf = resized(this.lineOf, length).fill(NaN, this.size);
    this.startOf = resized(this.startOf, length);
    this.bytesOf = resized(this.bytesOf, length);
    this.buckets = new Int32Array(length * 2).fill(-1);
    const mask = this.buckets.length - 1;
    for (let slot = 0; slot < this.size; slot++) {
      let bucket = this.hashA[slot]! & mask;
      while (this.buckets[bucket]! >= 0) bucket = (bucket + 1) & mask;
      this.buckets[bucket] = slot;
    }
  }
}

type Typed = Uint8Array | Uint32Array | Float64Array;

function resized<T extends Typed>(array: T, length: number): T {
  const larger = new (array.constructor as new (length: number) => T)(length);
  larger.set(array);
  return larger;
}

/** FNV-1a and a murmur-style multiply-xorshift over the address's UTF-16 code units: 64 bits together. */
function hashes(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ text.length;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    a = Math.imul(a ^ unit, 0x01000193);
    b = Math.imul(b ^ unit, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0x5bd1e995);
  return [a >>> 0, (b ^ (b >>> 15)) >>> 0];
}
