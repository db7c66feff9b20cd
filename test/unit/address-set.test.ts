import { AddressSet } from '../../src/campaign/address-set.js';

describe('AddressSet as bytes', () => {
  test('written after other bytes in one copy, read back from after them: the same keys, and it grows on', () => {
    const set = new AddressSet();
    // over a million bytes of keys: more than one block
    const keys = Array.from({ length: 60_000 }, (_, index) => `recipient.${index}@mailing-list.example`);
    for (const key of keys) set.add(key);
    const id = Buffer.from('0123456789abcdef');
    const bytes = set.toBuffer(id);
    expect(bytes.subarray(0, 16)).toEqual(id);
    const read = AddressSet.fromBuffer(bytes.subarray(16))!;
    expect(read.size).toBe(keys.length);
    expect(keys.every((key) => read.has(key))).toBe(true);
    expect(read.has('other@mailing-list.example')).toBe(false);
    expect(read.add('other@mailing-list.example')).toBe(true);
    expect(read.add(keys[0])).toBe(false);
    expect(AddressSet.fromBuffer(set.toBuffer())!.size).toBe(keys.length);
  });
});
