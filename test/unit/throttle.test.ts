import { AdaptiveController } from '../../src/throttle/adaptive.js';
import { parseRate, RateLimiter } from '../../src/throttle/rate.js';
import { FakeClock } from '../helpers/fake-clock.js';

describe('parseRate', () => {
  test.each([
    ['30/min', { count: 30, perMs: 60_000 }],
    ['2/s', { count: 2, perMs: 1000 }],
    ['500/h', { count: 500, perMs: 3_600_000 }],
    [' 1.5 / s ', { count: 1.5, perMs: 1000 }],
  ])('%s', (text, expected) => expect(parseRate(text)).toEqual(expected));

  test.each(['30', '0/s', '-1/min', '5/day', 'fast', '/s'])('rejects %s with a clear message', (text) => {
    expect(() => parseRate(text)).toThrow(/N\/s, N\/min or N\/h/);
  });
});

describe('RateLimiter (token bucket of one)', () => {
  test('spaces takes evenly at the rate, with no burst after idling', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(parseRate('2/s'), clock);
    const granted: number[] = [];
    const takers = Array.from({ length: 5 }, () => limiter.take().then(() => granted.push(clock.now())));
    await clock.advance(3000);
    await Promise.all(takers);
    expect(granted).toEqual([0, 500, 1000, 1500, 2000]);

    await clock.advance(10_000); // idle: no tokens are saved up
    const later: number[] = [];
    const more = Array.from({ length: 3 }, () => limiter.take().then(() => later.push(clock.now())));
    await clock.advance(2000);
    await Promise.all(more);
    expect(later).toEqual([13_000, 13_500, 14_000]);
  });

  test('holdUntil delays every later take; setRate changes the spacing', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(parseRate('10/s'), clock);
    limiter.holdUntil(5000);
    limiter.setRate(parseRate('1/s'));
    const granted: number[] = [];
    const takers = Array.from({ length: 3 }, () => limiter.take().then(() => granted.push(clock.now())));
    await clock.advance(10_000);
    await Promise.all(takers);
    expect(granted).toEqual([5000, 6000, 7000]);
  });

  test('without a rate only holds apply', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(undefined, clock);
    await limiter.take();
    await limiter.take();
    expect(clock.now()).toBe(0);
  });
});

describe('AdaptiveController (AIMD)', () => {
  const fixedJitter = () => 0.5;

  const tooManyConnections = '421 4.7.0 Error: too many connections from 127.0.0.1';

  test('a reply about connections halves concurrency (floor 1) and leaves the rate, with growing backoff', () => {
    const controller = new AdaptiveController({ concurrency: 8, rate: parseRate('10/s') });
    const first = controller.onThrottled(tooManyConnections, undefined, fixedJitter);
    expect(first.change?.to).toEqual({ concurrency: 4, rate: { count: 10, perMs: 1000 } });
    expect(first.change?.why).toContain('too many connections');
    expect(first.waitMs).toBe(1000);
    expect(controller.onThrottled(tooManyConnections, undefined, fixedJitter).waitMs).toBe(2000);
    controller.onThrottled(tooManyConnections, undefined, fixedJitter);
    controller.onThrottled(tooManyConnections, undefined, fixedJitter);
    const floor = controller.onThrottled(tooManyConnections, undefined, fixedJitter);
    expect(controller.current.concurrency).toBe(1);
    expect(floor.waitMs).toBe(16_000);
  });

  test('runs of successes step back up toward the ceiling while messages wait for a slot, never to a refused concurrency', () => {
    const controller = new AdaptiveController({ concurrency: 4, rate: parseRate('10/s') });
    controller.onThrottled(tooManyConnections, 3, fixedJitter);
    expect(controller.current).toEqual({ concurrency: 2, rate: { count: 10, perMs: 1000 } });
    for (let index = 0; index < 400; index++) expect(controller.onSuccess(false)).toBeUndefined(); // the rate binds: no more connections
    const changes = [];
    for (let index = 0; index < 400; index++) {
      const change = controller.onSuccess(true);
      if (change) changes.push(change);
    }
    expect(controller.current).toEqual({ concurrency: 2, rate: { count: 10, perMs: 1000 } }); // 3 were refused
    expect(changes).toEqual([]);
    const fresh = new AdaptiveController({ concurrency: 4 });
    fresh.onThrottled(tooManyConnections, 8, fixedJitter);
    for (let index = 0; index < 40; index++) fresh.onSuccess(true);
    expect(fresh.current.concurrency).toBe(4);
  });
});

describe('concurrency refused: capped below the number open at the refusal', () => {
  const fixedJitter = () => 0.5;
  const tooManyConnections = '421 4.7.0 Error: too many connections from 127.0.0.1';

  test('configured 8, refused with 5 in flight: never again more than 4, however many successes follow', () => {
    const controller = new AdaptiveController({ concurrency: 8 });
    controller.onThrottled(tooManyConnections, 5, fixedJitter);
    expect(controller.cap).toBe(4);
    for (let index = 0; index < 1000; index++) controller.onSuccess();
    expect(controller.current.concurrency).toBe(4);
    controller.onThrottled(tooManyConnections, 3, fixedJitter); // refused again lower down: the cap follows
    expect(controller.cap).toBe(2);
    controller.onThrottled(tooManyConnections, 6, fixedJitter); // a late echo with more in flight does not raise it
    expect(controller.cap).toBe(2);
  });

  test('each further refusal about connections in the same burst lowers the cap by one', () => {
    const controller = new AdaptiveController({ concurrency: 8, rate: parseRate('40/s') });
    controller.onThrottled('429 ApplicationThrottled: Application is over its MailboxConcurrency limit.', 8, fixedJitter);
    expect(controller.cap).toBe(7);
    for (let index = 0; index < 3; index++)
      controller.onRefusedAgain('429 ApplicationThrottled: Application is over its MailboxConcurrency limit.');
    expect(controller.cap).toBe(4); // 8 in flight, 4 refused: the server takes 4
    for (let index = 0; index < 1000; index++) controller.onSuccess();
    expect(controller.current.concurrency).toBe(4);
  });

  test('a ceiling learned in an earlier run caps the start and the climb', () => {
    const controller = new AdaptiveController({ concurrency: 8, rate: parseRate('10/s') }, 3);
    expect(controller.current).toEqual({ concurrency: 3, rate: { count: 10, perMs: 1000 } });
    for (let index = 0; index < 200; index++) controller.onSuccess();
    expect(controller.current.concurrency).toBe(3);
    expect(new AdaptiveController({ concurrency: 2 }, 5).current.concurrency).toBe(2); // the configured limit still holds
  });

  test('LearnedCeiling: remembered per account, owner-only, forgotten after a week', async () => {
    const { LearnedCeiling, learnedCeilingDays } = await import('../../src/throttle/learned-ceiling.js');
    const { tempDir } = await import('../helpers/cli.js');
    const { stat } = await import('node:fs/promises');
    const path = await import('node:path');
    const dir = await tempDir('mailshot-learned-');
    const now = Date.UTC(2026, 11, 1);
    expect((await LearnedCeiling.load(dir, 'work', now)).concurrency).toBeUndefined();
    await (await LearnedCeiling.load(dir, 'work', now)).remember(3, '421 4.7.0 Error: too many connections from 127.0.0.1', now);
    expect((await LearnedCeiling.load(dir, 'work', now + 3_600_000)).learned).toMatchObject({
      concurrency: 3,
      why: '421 4.7.0 Error: too many connections from 127.0.0.1',
      expiresAt: new Date(now + learnedCeilingDays * 86_400_000).toISOString(),
    });
    expect((await LearnedCeiling.load(dir, 'other', now)).concurrency).toBeUndefined();
    expect((await LearnedCeiling.load(dir, 'work', now + learnedCeilingDays * 86_400_000 + 1)).concurrency).toBeUndefined();
    expect((await stat(path.join(dir, 'learned', 'work.json'))).mode & 0o077).toBe(0);
    await LearnedCeiling.forget(dir, 'work');
    expect((await LearnedCeiling.load(dir, 'work', now)).concurrency).toBeUndefined();
  });
});

describe('DailyUsage (rolling 24 h, shared by processes)', () => {
  test('two users of one account never exceed the limit together, and the window frees slots 24 h later', async () => {
    const { DailyUsage } = await import('../../src/throttle/daily.js');
    const { tempDir } = await import('../helpers/cli.js');
    const dir = await tempDir('mailshot-usage-');
    const clock = new FakeClock();
    await clock.advance(Date.UTC(2026, 10, 27, 23, 0));
    const a = new DailyUsage(dir, 5, clock);
    const b = new DailyUsage(dir, 5, clock);
    const results = await Promise.all(Array.from({ length: 8 }, (_, index) => (index % 2 ? a : b).reserve()));
    expect(results.filter((result) => result.ok)).toHaveLength(5);
    const refused = results.filter((result) => !result.ok) as { ok: false; freeAt: number }[];
    expect(refused).toHaveLength(3);
    for (const result of refused) expect(result.freeAt).toBe(Date.UTC(2026, 10, 28, 23, 0));
    expect(await a.sentInWindow()).toBe(5);

    await clock.advance(2 * 3_600_000); // past midnight: yesterday's log still counts
    expect((await b.reserve()).ok).toBe(false);
    await clock.advance(22 * 3_600_000); // 24 h after the first sends
    expect((await b.reserve()).ok).toBe(true);
    expect(await a.sentInWindow()).toBe(1);

    // a new user of the account removes the day logs no window reaches any more
    const { readdir, writeFile } = await import('node:fs/promises');
    const path = await import('node:path');
    await writeFile(path.join(dir, '2026-11-20.log'), `${Date.UTC(2026, 10, 20)} old\n`);
    const newcomer = new DailyUsage(dir, 5, clock);
    await newcomer.reserve();
    expect((await readdir(dir)).sort()).toEqual(['2026-11-27.log', '2026-11-28.log']);
    await Promise.all([a.close(), b.close(), newcomer.close()]);
  });
});

describe('DailyUsage counts what the server accepted', () => {
  test('a refused message gives its recipients back, across midnight and to another user of the account', async () => {
    const { DailyUsage } = await import('../../src/throttle/daily.js');
    const { tempDir } = await import('../helpers/cli.js');
    const dir = await tempDir('mailshot-usage-');
    const clock = new FakeClock();
    await clock.advance(Date.UTC(2026, 10, 27, 23, 59, 59));
    const usage = new DailyUsage(dir, 3, clock);
    const other = new DailyUsage(dir, 3, clock);
    const refused = await usage.reserve(2); // a message with a copy, refused by the server
    expect(refused).toMatchObject({ ok: true });
    await clock.advance(2000); // the refusal came after midnight
    await usage.release((refused as { token: string }).token);
    expect(await other.sentInWindow()).toBe(0);
    expect((await Promise.all([other.reserve(), other.reserve(), usage.reserve()])).every((result) => result.ok)).toBe(true);
    expect((await other.reserve()).ok).toBe(false);
    expect(await usage.sentInWindow()).toBe(3);
    await Promise.all([usage.close(), other.close()]);
  });
});

test('a message the server took without some of its copies gives back only the refused ones', async () => {
  const { DailyUsage } = await import('../../src/throttle/daily.js');
  const { tempDir } = await import('../helpers/cli.js');
  const dir = await tempDir('mailshot-usage-');
  const clock = new FakeClock();
  await clock.advance(Date.UTC(2026, 10, 27, 12));
  const usage = new DailyUsage(dir, 5, clock);
  const message = await usage.reserve(3); // the recipient and two copies
  await usage.release((message as { token: string }).token, 1); // one copy refused
  expect(await usage.sentInWindow()).toBe(2);
  await usage.release((message as { token: string }).token, 0);
  const other = new DailyUsage(dir, 5, clock);
  expect(await other.sentInWindow()).toBe(2); // another process reads the same
  await usage.release((message as { token: string }).token); // then the whole message refused after all
  expect(await usage.sentInWindow()).toBe(0);
  await Promise.all([usage.close(), other.close()]);
});

describe('AppendBatcher (daily-usage lines written together)', () => {
  test('lines appended at once all arrive, whole and in order; a failed write rejects its own lines only', async () => {
    const { AppendBatcher } = await import('../../src/throttle/append-batch.js');
    const { tempDir } = await import('../helpers/cli.js');
    const { readFile } = await import('node:fs/promises');
    const path = await import('node:path');
    const dir = await tempDir('mailshot-append-');
    const batcher = new AppendBatcher();
    const file = path.join(dir, 'day.log');
    const lines = Array.from({ length: 200 }, (_, index) => `${index} token-${index}\n`);
    await Promise.all(lines.slice(0, 100).map((line) => batcher.append(file, line)));
    const called = lines.slice(0, 100);
    const append = (line: string) => (called.push(line), batcher.append(file, line));
    await Promise.all(
      lines.slice(100).map((line, index) => new Promise((resolve) => setTimeout(resolve, index % 7)).then(() => append(line))),
    );
    expect(await readFile(file, 'utf8')).toBe(called.join(''));
    expect(called.slice().sort()).toEqual(lines.slice().sort());

    const missing = path.join(dir, 'no-such-folder', 'day.log');
    const results = await Promise.allSettled([batcher.append(missing, 'a\n'), batcher.append(missing, 'b\n'), batcher.append(file, 'c\n')]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect((await readFile(file, 'utf8')).endsWith('c\n')).toBe(true);
    await batcher.close();
  });

  test('a day log stays open between appends (one descriptor, no open/close per line) until close()', async () => {
    const { AppendBatcher } = await import('../../src/throttle/append-batch.js');
    const { tempDir } = await import('../helpers/cli.js');
    const { readdir, readFile, readlink } = await import('node:fs/promises');
    const path = await import('node:path');
    const file = path.join(await tempDir('mailshot-append-'), 'day.log');
    const descriptorsOf = async () => {
      const links = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
      return links.filter((link) => link === file).length;
    };
    const batcher = new AppendBatcher();
    for (let index = 0; index < 5; index++) {
      await batcher.append(file, `${index}\n`);
      expect(await descriptorsOf()).toBe(1);
    }
    await Promise.all([batcher.append(file, '5\n'), batcher.close()]);
    expect(await descriptorsOf()).toBe(0);
    expect(await readFile(file, 'utf8')).toBe('0\n1\n2\n3\n4\n5\n');
  });

  test('forty reservations at once against a limit of 25: exactly 25 granted', async () => {
    const { DailyUsage } = await import('../../src/throttle/daily.js');
    const { tempDir } = await import('../helpers/cli.js');
    const clock = new FakeClock();
    await clock.advance(Date.UTC(2026, 10, 27, 12, 0));
    const usage = new DailyUsage(await tempDir('mailshot-usage-'), 25, clock);
    const results = await Promise.all(Array.from({ length: 40 }, () => usage.reserve()));
    expect(results.filter((result) => result.ok)).toHaveLength(25);
    expect(await usage.sentInWindow()).toBe(25);
    await usage.close();
  });
});
