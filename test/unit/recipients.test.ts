import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AddressSet } from '../../src/campaign/address-set.js';
import { isRecipient, readLayout, readRecipients } from '../../src/campaign/recipients.js';
import { tempDir } from '../helpers/cli.js';

describe('AddressSet', () => {
  test('agrees with a Set<string> over many keys, through many table growths', () => {
    const set = new AddressSet();
    const reference = new Set<string>();
    let seed = 1;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const disagreements: string[] = [];
    for (let index = 0; index < 100_000; index++) {
      // About one key in four repeats an earlier one; some are non-ASCII, some long.
      const n = random() < 0.25 ? Math.floor(random() * index) : index;
      const key = n % 7 === 0 ? `jörg.${n}@bücher.example` : n % 11 === 0 ? `${'x'.repeat(200)}${n}@example.com` : `r${n}@example.com`;
      if (set.add(key) === reference.has(key)) disagreements.push(key);
      reference.add(key);
    }
    expect(disagreements).toEqual([]);
    expect(set.size).toBe(reference.size);
    expect(reference.size).toBeGreaterThan(50_000);
  });

  test('keys that differ in one byte, or are prefixes of each other, are distinct', () => {
    const set = new AddressSet();
    for (const key of ['a@b.c', 'a@b.cc', 'a@b.c ', '', 'é@b.c', 'e@b.c', '😀@b.c']) expect(set.add(key)).toBe(true);
    for (const key of ['a@b.c', 'a@b.cc', '', '😀@b.c']) expect(set.add(key)).toBe(false);
  });
});

describe('readRecipients line numbers', () => {
  // Big enough to span many read chunks, so that records and line breaks straddle chunk boundaries.
  test.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('%s, with blank lines and quoted fields over several lines', async (_name, eol) => {
    const lines = ['email,name'];
    const expected: { value: string; line: number }[] = [];
    for (let index = 0; index < 5000; index++) {
      if (index % 13 === 0) lines.push('');
      const value = index % 17 === 0 ? `bad${index}` : `u${index}@example.com`;
      expected.push({ value, line: lines.length + 1 });
      if (index % 5 === 0) lines.push(`${value},"first`, 'second', 'third"');
      else lines.push(`${value},Person ${index}`);
    }
    const file = path.join(await tempDir(), 'recipients.csv');
    await writeFile(file, lines.join(eol) + eol);

    const seen: { value: string; line: number }[] = [];
    for await (const row of readRecipients(file, await readLayout(file, 'email'), 'email')) {
      seen.push({ value: isRecipient(row) ? row.address : row.value, line: row.line });
    }
    expect(seen).toEqual(expected);
  });
});
