import { iso } from '../../src/report/outcome.js';
import { randomInt } from 'node:crypto';

// Reports format millions of times through a per-second cache: each must read as Date#toISOString writes it.

test('iso() writes every time as Date#toISOString does', () => {
  const times = [0, 999, 1000, 1_796_606_348_029, 1_796_606_348_999, 1_796_606_349_000, 253_402_300_799_999, 253_402_300_800_000, -1, 1.5];
  for (let index = 0; index < 2000; index++) times.push(randomInt(0, 2 ** 47), 1_796_606_348_000 + (index % 1500));
  for (const at of times) expect(iso(at)).toBe(new Date(at).toISOString());
  expect(iso(undefined)).toBeUndefined();
});
