/**
 * The window a server's rate refusals show (src/throttle/window.ts), learned and kept by the pacer: simulated
 * servers in fake time. Postfix's anvil counts every MAIL FROM in fixed units that start at the first event
 * after the last unit ran out (in whole seconds, `start + unit < now`); Graph keeps a sliding window of the
 * messages it took. Each send takes 20 ms; two (anvil) or four (Graph) at once.
 */
import { Pacer } from '../../src/delivery/pacing.js';
import type { LimitChange } from '../../src/throttle/adaptive.js';
import { DeliveryError } from '../../src/transports/transport.js';
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
      const retryAt = retryAfterMs === undefined ? undefined : new Date(clock.now() + retryAfterMs);
      await clock.sleep(pacer.onThrottled(new DeliveryError('throttled', refusal, { replied: true, limit: 'rate', retryAt }), turn));
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
