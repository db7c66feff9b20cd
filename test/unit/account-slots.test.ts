/** The account's slots and rate turns shared by processes (throttle/slots.ts, shared-rate.ts, owner-file.ts), in-process. */
import { readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { AccountSlots } from '../../src/throttle/slots.js';
import { SharedRate } from '../../src/throttle/shared-rate.js';
import { systemClock } from '../../src/throttle/clock.js';
import { tempDir } from '../helpers/cli.js';
import { deadPid } from '../helpers/processes.js';

test('two users of one account never hold more slots than the limit; a slot given back is taken by the other', async () => {
  const dir = await tempDir('mailshot-slots-');
  const closed: number[] = [];
  const a = new AccountSlots(dir, systemClock, async () => void closed.push(1));
  const b = new AccountSlots(dir, systemClock);
  expect(await Promise.all([a.take(2), a.take(2)])).toEqual(expect.arrayContaining([0, 1]));
  const waiting = new AbortController();
  const third = b.take(2, waiting.signal);
  const settled = await Promise.race([third.then(() => 'taken'), new Promise((resolve) => setTimeout(resolve, 300, 'waiting'))]);
  expect(settled).toBe('waiting');
  a.done(1); // lingers, then is given back after the idle connections were closed
  expect(await third).toBe(1);
  expect(closed).toEqual([1]);
  expect((await AccountSlots.inUse(dir)).sort()).toEqual([process.pid, process.pid]);
  await Promise.all([a.close(), b.close()]);
  expect(await AccountSlots.inUse(dir)).toEqual([]);
});

test('a slot held by a process that is gone (or a damaged slot file) is taken at once, and not counted as in use', async () => {
  const dir = await tempDir('mailshot-slots-');
  const owner = JSON.stringify({ pid: await deadPid(), host: hostname(), since: new Date().toISOString(), token: 'x' });
  await writeFile(path.join(dir, '0.slot'), owner);
  await writeFile(path.join(dir, '1.slot'), '');
  expect(await AccountSlots.inUse(dir)).toEqual([]);
  const slots = new AccountSlots(dir, systemClock);
  expect((await Promise.all([slots.take(2), slots.take(2)])).sort()).toEqual([0, 1]);
  await slots.close();
  expect((await readdir(dir)).filter((name) => !name.startsWith('.'))).toEqual([]);
});

test('an abort ends a wait for a slot', async () => {
  const dir = await tempDir('mailshot-slots-');
  const holder = new AccountSlots(dir, systemClock);
  await holder.take(1);
  const waiting = new AbortController();
  const wait = new AccountSlots(dir, systemClock).take(1, waiting.signal);
  waiting.abort();
  await expect(wait).rejects.toThrow();
  await holder.close();
});

test('rate turns are shared: two users of the account at 10/s get turns 100 ms apart, never together', async () => {
  const dir = await tempDir('mailshot-rate-');
  const a = new SharedRate(dir, systemClock);
  const b = new SharedRate(dir, systemClock);
  const start = 1_000_000;
  const turns = await Promise.all(Array.from({ length: 6 }, (_, index) => (index % 2 ? a : b).claim(start, 100)));
  expect(turns.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5].map((index) => start + index * 100));
  await Promise.all([a.close(), b.close()]);
});
