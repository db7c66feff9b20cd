const blockBytes = 1 << 20;
const maxKeyBytes = 0xffff;

/**
 * A set of strings kept outside the JavaScript heap, for duplicate detection over lists of any size:
 * each key's UTF-8 bytes (behind a 2-byte length) in 1 MB blocks, and an open-addressing table of
 * offsets into them. About 30 bytes per address, where a `Set<string>` costs about 100 plus the
 * garbage collector's headroom — the difference between 30 MB and 200 MB for a million recipients.
 */
export class AddressSet {
  private readonly blocks: Buffer[] = [Buffer.allocUnsafe(blockBytes)];
  private blockUsed = 0;
  /** 1 + offset of a key (block index × block size + position), 0 for an empty slot. */
  private slots = new Uint32Array(1 << 12);
  private scratch = Buffer.allocUnsafe(1024);
  size = 0;

  /** Adds the key; false when it was already there. */
  add(key: string): boolean {
    if (key.length * 3 > this.scratch.length) this.scratch = Buffer.allocUnsafe(key.length * 3);
    const length = this.scratch.write(key, 'utf8');
    if (length > maxKeyBytes) throw new RangeError(`a key of ${length} bytes is longer than ${maxKeyBytes}`);
    const hash = hashOf(this.scratch, 0, length);
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; this.slots[slot] !== 0; slot = (slot + 1) & mask) {
      if (this.equals(this.slots[slot] - 1, length)) return false;
    }
    if ((this.size + 1) * 4 > this.slots.length * 3) this.grow();
    place(this.slots, this.store(length), hash);
    this.size++;
    return true;
  }

  has(key: string): boolean {
    if (key.length * 3 > this.scratch.length) this.scratch = Buffer.allocUnsafe(key.length * 3);
    const length = this.scratch.write(key, 'utf8');
    const mask = this.slots.length - 1;
    for (let slot = hashOf(this.scratch, 0, length) & mask; this.slots[slot] !== 0; slot = (slot + 1) & mask) {
      if (this.equals(this.slots[slot] - 1, length)) return true;
    }
    return false;
  }

  /**
   * The set as bytes (for a resume checkpoint), after `before`: a header, the table, then the keys' blocks.
   * One copy of the set, made at once: a million addresses are about 30 MB.
   */
  toBuffer(before: Buffer = Buffer.alloc(0)): Buffer {
    const header = Buffer.from(new Uint32Array([this.size, this.slots.length, this.blocks.length, this.blockUsed]).buffer);
    const blocks = this.blocks.map((block, index) => (index === this.blocks.length - 1 ? block.subarray(0, this.blockUsed) : block));
    return Buffer.concat([before, header, Buffer.from(this.slots.buffer, this.slots.byteOffset, this.slots.byteLength), ...blocks]);
  }

  /** The set `toBuffer` wrote; undefined when the bytes are not one. */
  static fromBuffer(bytes: Buffer): AddressSet | undefined {
    if (bytes.length < 16) return undefined;
    const [size, slotCount, blockCount, blockUsed] = [0, 4, 8, 12].map((at) => bytes.readUInt32LE(at));
    const blocksAt = 16 + slotCount * 4;
    if (
      slotCount < 1 ||
      (slotCount & (slotCount - 1)) !== 0 ||
      blockCount < 1 ||
      bytes.length !== blocksAt + (blockCount - 1) * blockBytes + blockUsed
    )
      return undefined;
    const set = new AddressSet();
    set.slots = new Uint32Array(slotCount);
    Buffer.from(set.slots.buffer).set(bytes.subarray(16, blocksAt));
    set.blocks.length = 0;
    for (let index = 0; index < blockCount; index++) {
      const block = Buffer.allocUnsafe(blockBytes); // each its own full block: adding goes on after the last
      bytes.copy(block, 0, blocksAt + index * blockBytes, Math.min(bytes.length, blocksAt + (index + 1) * blockBytes));
      set.blocks.push(block);
    }
    set.blockUsed = blockUsed;
    set.size = size;
    return set;
  }

  /** Copies the key from the scratch buffer into the current block; returns its reference. */
  private store(length: number): number {
    if (this.blockUsed + 2 + length > blockBytes) {
      this.blocks.push(Buffer.allocUnsafe(blockBytes));
      this.blockUsed = 0;
    }
    const block = this.blocks[this.blocks.length - 1];
    block.writeUInt16LE(length, this.blockUsed);
    this.scratch.copy(block, this.blockUsed + 2, 0, length);
    const reference = (this.blocks.length - 1) * blockBytes + this.blockUsed + 1;
    this.blockUsed += 2 + length;
    return reference;
  }

  private equals(offset: number, length: number): boolean {
    const block = this.blocks[Math.floor(offset / blockBytes)];
    const at = offset % blockBytes;
    return block.readUInt16LE(at) === length && block.compare(this.scratch, 0, length, at + 2, at + 2 + length) === 0;
  }

  /** Doubles the table, keeping it at most three quarters full so that probe runs stay short. */
  private grow(): void {
    const slots = new Uint32Array(this.slots.length * 2);
    for (const reference of this.slots) {
      if (reference === 0) continue;
      const offset = reference - 1;
      const block = this.blocks[Math.floor(offset / blockBytes)];
      const at = offset % blockBytes;
      place(slots, reference, hashOf(block, at + 2, block.readUInt16LE(at)));
    }
    this.slots = slots;
  }
}

function place(slots: Uint32Array, reference: number, hash: number): void {
  const mask = slots.length - 1;
  let slot = hash & mask;
  while (slots[slot] !== 0) slot = (slot + 1) & mask;
  slots[slot] = reference;
}

/** FNV-1a over the bytes, then MurmurHash3's finaliser so that the low bits (the slot) are well mixed. */
function hashOf(bytes: Buffer, start: number, length: number): number {
  let hash = 0x811c9dc5;
  for (let index = start; index < start + length; index++) hash = Math.imul(hash ^ bytes[index], 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}
