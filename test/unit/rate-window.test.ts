/**
 * The window a server's rate refusals show (src/throttle/window.ts), learned and kept by the pacer: simulated
 * servers in fake time. Postfix's anvil counts every MAIL FROM in fixed units that start at the first event
 * after the last unit ran out (in whole seconds, `start + unit < now`); Graph keeps a sliding window of the
 * messages it took. Each send takes 20 ms; two (anvil) or four (Graph) at once.
 */
import { Pacer } from '../../src/delivery/pacing.js';
import type { LimitChange } from '../../src/throttle/adaptive.js';
import { WindowLearner } from '../../src/throttle/window.js';
import { FakeClock } from '../helpers/fake-clock.js';

type Server = (at: number) => boolean;

/** Postfix's anvil: `perUnit` MAIL FROM per unit of `unitSeconds`, refusals counted too. */
function anvil(perUnit: number, unitSeconds: number): Server {
  let start = -Infinity;
  let mail = 0;
  return (at) => {
    const now = Math.floor(at / 1000);
    if (start + unitSeconds < now) [start, mail] = [now, 0];
    return ++mail <= perUnit;
  };
}

/** Graph's simulator: at most `max` messages taken in any sliding `windowMs`. */
function sliding(max: number, windowMs: number): Server {
  const taken: number[] = [];
  return (at) => {
    while (taken.length && taken[0] <= at - windowMs) taken.shift();
    if (taken.length >= max) return false;
    taken.push(at);
    return true;
  };
}

/** Sends `count` messages through a pacer (`at once` workers) to `server`; returns when the last was taken and the refusals. */
async function sendAll(
  server: Server,
  { count, atOnce, refusal, retryAfterMs }: { count: number; atOnce: number; refusal: string; retryAfterMs?: number },
) {
  const clock = new FakeClock();
  await clock.advance(1_000_000);
  const start = clock.now();
  const changes: LimitChange[] = [];
  const pacer = new Pacer({ maxConcurrent: atOnce }, undefined, clock, (change) => changes.push(change));
  const signal = new AbortController().signal;
  let next = 0;
  let refusals = 0;
  let lastTaken = start;
  const worker = async () => {
    for (let pending = next < count ? next++ : undefined; pending !== undefined;) {
      const { turn } = await pacer.beforeSend(signal);
      const taken = server(clock.now());
      await clock.sleep(20);
      if (taken) {
        pacer.onAccepted(turn);
        lastTaken = clock.now();
        pending = next < count ? next++ : undefined;
        continue;
      }
      refusals++;
      const until = retryAfterMs === undefined ? undefined : clock.now() + retryAfterMs;
      await clock.sleep(pacer.slowDown({ limit: 'rate', reason: refusal, ...(until !== undefined && { until }) }, turn));
    }
  };
  const workers = Promise.all(Array.from({ length: atOnce }, worker));
  let done = false;
  void workers.then(() => (done = true));
  while (!done) await clock.advance(10);
  return { seconds: (lastTaken - start) / 1000, refusals, changes };
}

test("Postfix's anvil (30 per 15 s, 2 at once): 150 messages within 0.85 of the floor, few refusals, then no more", async () => {
  const { seconds, refusals, changes } = await sendAll(anvil(30, 15), {
    count: 150,
    atOnce: 2,
    refusal: '450 4.7.1 Error: too much mail from 127.0.0.1',
  });
  // Units really last 15-16 s (whole seconds, `start + 15 < now`): the first 30 at once, then 30 at the start of each next one.
  expect(seconds).toBeLessThanOrEqual(60 / 0.85);
  expect(refusals).toBeLessThanOrEqual(12);
  expect(changes.at(-1)?.why).toMatch(/^keeping to 30 messages per 1[5-7](\.\d+)? s, learned from the server's refusals \(450 4\.7\.1/);
});

test("Graph's sliding window (20 per second, Retry-After 0.5 s, 4 at once): at least 90 % of its rate over 800 messages", async () => {
  const { seconds, refusals, changes } = await sendAll(sliding(20, 1000), {
    count: 800,
    atOnce: 4,
    refusal: '429 TooManyRequests: Please retry again later.',
    retryAfterMs: 500,
  });
  expect(800 / seconds).toBeGreaterThanOrEqual(0.9 * 20);
  expect(refusals).toBeLessThanOrEqual(20);
  expect(changes.at(-1)?.why).toMatch(/^keeping to 20 messages per (1|0\.9\d|1\.0\d) s/);
});

test('a server refusing MAIL FROM over 20 per sliding second, no retry time, 8 at once: N is what it took once every answer is in', async () => {
  const { seconds, changes } = await sendAll(sliding(20, 1000), {
    count: 800,
    atOnce: 8,
    refusal: '450 4.7.1 Error: too much mail from 127.0.0.1',
  });
  expect(800 / seconds).toBeGreaterThanOrEqual(0.9 * 20);
  expect(changes.every((change) => change.why.startsWith('keeping to 20 messages per'))).toBe(true);
});

describe('a refusal once the window is known', () => {
  /** Learns N = `count` (that many taken at once, the next refused, a try taken after `unitMs`); returns the learner and the time. */
  function learned(count: number, unitMs: number) {
    const window = new WindowLearner();
    let now = 1_000_000;
    for (let sent = 0; sent < count; sent++) window.take(now++);
    const refusedTurn = now;
    window.take(now);
    let probeAt = window.refused(refusedTurn, now + 5);
    for (let sent = 0; sent < count; sent++) window.accepted(1_000_000 + sent);
    while (probeAt < 1_000_000 + unitMs) probeAt = window.refused(probeAt, window.take(probeAt) === 0 ? probeAt + 5 : probeAt);
    expect(window.take(probeAt)).toBe(0);
    window.accepted(probeAt);
    expect(window.current?.count).toBe(count);
    return { window, now: probeAt };
  }

  /** Sends `taken` messages the server takes, 1 ms apart, from when the window first allows one; returns the next send's time. */
  function burst(window: WindowLearner, from: number, taken: number): number {
    let at = from + window.take(from);
    if (at > from) expect(window.take(at)).toBe(0);
    window.accepted(at++);
    for (let sent = 1; sent < taken; sent++) {
      expect(window.take(at)).toBe(0);
      window.accepted(at++);
    }
    expect(window.take(at)).toBe(0);
    return at;
  }

  test('late in a burst of fewer than N (a burst begun after the unit did): N comes down to what the server took of it', () => {
    const { window, now } = learned(31, 15_000);
    const span = window.current!.perMs;
    // The try that was taken began the server's unit; 3 s later (a slow reply) 29 more are taken and the 30th refused.
    const refused = burst(window, now + 3_000, 29);
    window.refused(refused, refused + 5);
    expect(window.current).toEqual({ count: 29, perMs: span });
  });

  test('late in a burst once the server took whole windows of N (a sliding window, a span a little short): the span grows, N stays', () => {
    const { window, now } = learned(10, 1_000);
    // Three whole windows of 10 taken (the first begun by the try at `now`).
    let at = now + 1;
    for (let windows = 0; windows < 3; windows++) {
      const last = burst(window, at, windows === 0 ? 8 : 9);
      window.accepted(last);
      at = last + 1;
    }
    const span = window.current!.perMs;
    // The next window's 7th is refused: the server still counted the last window's tail.
    const refused = burst(window, at, 6);
    window.refused(refused, refused + 5);
    expect(window.current?.count).toBe(10);
    expect(window.current!.perMs).toBeGreaterThan(span);
  });

  test('early in a burst (the last window still counted at the server): the span grows, N stays', () => {
    const { window, now } = learned(20, 1_000);
    const span = window.current!.perMs;
    // The next window, where the pace allows it: its first message is taken, the second refused.
    const refused = burst(window, now + 1, 1);
    window.refused(refused, refused + 5);
    expect(window.current?.count).toBe(20);
    expect(window.current!.perMs).toBeGreaterThan(span);
  });
});
