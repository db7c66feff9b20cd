/** The send loop's decisions, in milliseconds: the retry policy table, --spread pacing, and how a run's end is worded. */
import { applyEnd, settle, tallyText } from '../../src/delivery/outcome.js';
import { emptyCounts } from '../../src/status.js';
import { Pacer, spreadLimits } from '../../src/delivery/pacing.js';
import { attemptsFor, backoff, nextStep, maxRetryWaitMs, type Slowdown } from '../../src/delivery/decide.js';
import type { CampaignState } from '../../src/store/state.js';
import type { LimitChange } from '../../src/throttle/adaptive.js';
import { DeliveryError, type DeliveryErrorDetails, type DeliveryErrorKind, type ThrottledLimit } from '../../src/transports/transport.js';
import { FakeClock } from '../helpers/fake-clock.js';

const failure = (kind: DeliveryErrorKind, details: DeliveryErrorDetails = {}) => new DeliveryError(kind, `${kind} failure`, details);
const midJitter = () => 0.5;

describe('retry policy', () => {
  test.each([
    ['permanent', {}, false, { then: 'fail', cost: 'recipient' }],
    ['quota', {}, false, { then: 'pause', cost: 'quota' }],
    ['auth', { replied: true }, true, { then: 'stop', cost: 'account' }],
    ['config', { unreachable: true }, false, { then: 'stop', cost: 'account' }],
  ] as const)('%s %j (delivered before: %s) → %j on the first attempt', (kind, details, deliveredBefore, decision) => {
    expect(nextStep(failure(kind, details), 1, deliveredBefore)).toEqual(decision);
  });

  test('a server that stops answering after this run delivered through it is network loss: retried, then the run pauses', () => {
    const gone = failure('config', { code: 'ECONNREFUSED', unreachable: true });
    expect(nextStep(gone, 1, true, 0, midJitter)).toEqual({ then: 'retry', inMs: 1000 });
    expect(nextStep(gone, 3, true, 0, midJitter)).toEqual({ then: 'retry', inMs: 4000 });
    expect(nextStep(gone, 4, true)).toEqual({ then: 'pause', cost: 'network' });
    // a setting that is surely wrong stays a stop, delivered before or not
    expect(nextStep(failure('config', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 1, true)).toEqual({ then: 'stop', cost: 'account' });
  });

  test('a temporary reply is retried 3 times, then deferred; a dropped connection (no reply) counts as the network', () => {
    const reply = failure('transient', { code: '451 4.3.0', replied: true });
    expect(nextStep(reply, 2, false, 0, midJitter)).toEqual({ then: 'retry', inMs: 2000 });
    expect(nextStep(reply, attemptsFor.transient.attempts, false)).toEqual({ then: 'defer', cost: 'transient' });
    expect(nextStep(failure('transient', { code: 'ECONNRESET' }), 3, false, 0, midJitter)).toEqual({ then: 'retry', inMs: 4000 });
  });

  test('throttling waits what the pacer says, up to 8 attempts; a wait over the cap pauses the run', () => {
    const throttled = failure('throttled', { replied: true, limit: 'rate' });
    expect(nextStep(throttled, 1, true, 2500)).toEqual({ then: 'retry', inMs: 2500 });
    expect(nextStep(throttled, 8, true, 2500)).toEqual({ then: 'defer', cost: 'throttled' });
    expect(nextStep(throttled, 1, true, maxRetryWaitMs + 1)).toEqual({ then: 'pause', cost: 'throttled' });
  });

  test('backoff doubles from 1 s with ±20 % jitter', () => {
    expect([1, 2, 3].map((attempt) => backoff(attempt, midJitter))).toEqual([1000, 2000, 4000]);
    expect(backoff(1, () => 0)).toBe(800);
    expect(backoff(1, () => 1)).toBeCloseTo(1200);
  });
});

describe('--spread pacing', () => {
  const now = Date.UTC(2026, 11, 1, 9);
  const state = (hours: number, recipients: number): Pick<CampaignState, 'spreadUntil' | 'recipients'> => ({
    spreadUntil: new Date(now + hours * 3_600_000).toISOString(),
    recipients,
  });

  test('the recipients left are spaced evenly over what is left of the window', () => {
    expect(spreadLimits({ maxConcurrent: 4 }, state(2, 120), 20, now)).toEqual({
      maxConcurrent: 4,
      rate: { count: 100, perMs: 7_200_000 },
    });
  });

  test("the account's own rate stays when it is slower; an ended window or nothing left changes nothing", () => {
    const slow = { maxConcurrent: 4, rate: { count: 1, perMs: 3_600_000 } };
    expect(spreadLimits(slow, state(1, 100), 0, now)).toBe(slow);
    expect(spreadLimits({ maxConcurrent: 4 }, state(-1, 100), 0, now)).toEqual({ maxConcurrent: 4 });
    expect(spreadLimits({ maxConcurrent: 4 }, state(1, 100), 100, now)).toEqual({ maxConcurrent: 4 });
    expect(spreadLimits({ maxConcurrent: 4 }, { recipients: 5 }, 0, now)).toEqual({ maxConcurrent: 4 });
  });
});

describe('the pacer', () => {
  async function pacer() {
    const clock = new FakeClock();
    await clock.advance(60_000);
    const changes: LimitChange[] = [];
    const paced = new Pacer({ maxConcurrent: 8, rate: { count: 10, perMs: 1000 } }, undefined, clock, (change) => changes.push(change));
    return { clock, changes, paced };
  }
  const throttled = ({ limit, retryAt }: { limit: ThrottledLimit; retryAt?: Date }): Slowdown => ({
    limit,
    reason: '421 4.7.0 Too many connections, slow down',
    ...(retryAt && { until: retryAt.getTime() }),
  });

  test('it cuts the limit the transport named (not what the text seems to say), once per burst of replies', async () => {
    const { clock, changes, paced } = await pacer();
    const signal = new AbortController().signal;
    const { turn } = await paced.beforeSend(signal);
    const wait = paced.slowDown(throttled({ limit: 'connections' }), turn);
    expect(paced.slots.concurrency).toBe(4);
    expect(wait).toBeGreaterThanOrEqual(750);
    expect(wait).toBeLessThanOrEqual(1250);
    paced.slowDown(throttled({ limit: 'connections' }), turn); // in flight when the cut happened: the same burst
    expect(paced.slots.concurrency).toBe(4);
    await clock.advance(2000);
    // About the rate: no connection is cut and no ceiling set; the window learns, and one message tries again in 0.5 s
    const next = await paced.beforeSend(signal);
    expect(paced.slowDown(throttled({ limit: 'rate' }), next.turn)).toBe(500);
    expect(paced.slots.concurrency).toBe(4);
    expect(changes.map((change) => change.to)).toEqual([{ concurrency: 4, rate: { count: 10, perMs: 1000 } }]);
  });

  test.each([
    ['the 6th', [5, 4]],
    ['the 5th', [4, 5]],
  ])(
    'a refusal about connections caps below what was in flight when the refused message left, not when its answer is dealt with (%s first)',
    async (_, refusedOrder) => {
      const clock = new FakeClock();
      const paced = new Pacer({ maxConcurrent: 8 }, undefined, clock, () => undefined);
      const signal = new AbortController().signal;
      const mailboxConcurrency: Slowdown = { limit: 'connections', reason: '429 ApplicationThrottled: MailboxConcurrency' };
      const answers: (() => void)[] = [];
      const dealtWith: Promise<void>[] = [];
      for (let index = 0; index < 6; index++) {
        dealtWith.push(
          paced.inSlot(async () => {
            const sentAt = paced.sending((await paced.beforeSend(signal)).turn);
            await new Promise<void>((answer) => answers.push(answer));
            // the 5th and 6th of 6 at once are refused (a server that takes 4)
            if (index >= 4) paced.slowDown(mailboxConcurrency, sentAt);
            else paced.onAccepted(sentAt);
            paced.answered(sentAt);
          }, signal),
        );
        await clock.advance(1);
      }
      answers.slice(0, 3).forEach((answer) => answer()); // three taken before the refusals are dealt with: their slots are free
      await Promise.all(dealtWith.slice(0, 3));
      expect(paced.slots.activeCount).toBe(3); // the two refused and one not answered yet
      for (const index of refusedOrder) {
        answers[index]!();
        await dealtWith[index];
      }
      expect(paced.slots.concurrency).toBe(4); // 6 were open at the server: it takes at most 4 (counted at 3 in flight: 1; the 5th first, then one lower: 3)
    },
  );

  test('a message refused for the rate leaves no send behind in the learned window, however far the clock moves while it waits', async () => {
    const clock = new TickingClock();
    const paced = new Pacer({ maxConcurrent: 8 }, undefined, clock, () => undefined);
    const signal = new AbortController().signal;
    const tooMuchMail: Slowdown = { limit: 'rate', reason: '450 4.7.1 Error: too much mail from 127.0.0.1' };
    let sends = 0;
    const send = async () => {
      const sentAt = paced.sending((await paced.beforeSend(signal)).turn);
      sends++;
      return sentAt;
    };
    // A server taking 3 per unit (Postfix's anvil): 3 taken, the 4th refused, a probe half a second later refused
    // too, the next one (a second after that) taken: a new unit has begun.
    for (const sentAt of [await send(), await send(), await send()]) paced.onAccepted(sentAt);
    paced.slowDown(tooMuchMail, await send());
    await clock.advance(500);
    paced.slowDown(tooMuchMail, await send());
    await clock.advance(1000);
    paced.onAccepted(await send());
    // The new unit holds 3: the probe and two more go at once, the next waits for the unit after.
    void send();
    void send();
    void send();
    await clock.advance(10);
    expect(sends).toBe(8);
    await clock.advance(2000);
    expect(sends).toBe(9);
  });

  test("the server's retry time is this recipient's wait and holds every later send", async () => {
    const { clock, paced } = await pacer();
    const { turn } = await paced.beforeSend(new AbortController().signal);
    expect(paced.slowDown(throttled({ limit: 'rate', retryAt: new Date(clock.now() + 30_000) }), turn)).toBe(30_000);
    let mayGo = false;
    void paced.beforeSend(new AbortController().signal).then(() => (mayGo = true));
    await clock.advance(29_000);
    expect(mayGo).toBe(false);
    await clock.advance(1000);
    expect(mayGo).toBe(true);
  });
});

/** A clock that moves on by a millisecond at each reading, as Date.now() may between two lines. */
class TickingClock extends FakeClock {
  private readings = 0;

  override now(): number {
    return super.now() + this.readings++;
  }
}

describe('how a run ends', () => {
  const tally = (counts: Partial<ReturnType<typeof emptyCounts>>, due: number, extra: { limit?: number; nextDue?: number } = {}) => ({
    counts: { ...emptyCounts(), ...counts },
    due,
    nextDue: Infinity,
    localTime: '09:00',
    ...extra,
  });

  test('a stop (with its error) wins over what is left', () => {
    const error = new Error('535 5.7.8');
    expect(settle({ status: 'stopped', reason: '535 5.7.8', error }, tally({ sent: 4 }, 10))).toEqual({
      status: 'stopped',
      reason: '535 5.7.8',
      error,
    });
  });

  test('deferred recipients, then the --limit, then recipients due later, else done', () => {
    expect(settle(undefined, tally({ sent: 3, deferred: 2 }, 5))).toEqual({
      status: 'paused',
      reason: '2 recipient(s) deferred after repeated temporary failures; run resume later',
    });
    expect(settle(undefined, tally({ sent: 3 }, 5, { limit: 3 }))).toEqual({
      status: 'paused',
      reason: 'stopped at --limit 3; 2 recipient(s) left',
    });
    const later = Date.UTC(2026, 11, 2, 8);
    expect(settle(undefined, tally({ sent: 5 }, 5, { nextDue: later }))).toEqual({
      status: 'scheduled',
      reason: 'the next recipients are due at 2026-12-02T08:00:00.000Z (their local 09:00)',
      nextDueAt: '2026-12-02T08:00:00.000Z',
    });
    expect(settle(undefined, tally({ sent: 4, failed: 1 }, 5))).toEqual({ status: 'done', reason: 'all recipients handled' });
  });

  test('the snapshot keeps a pause time only while paused or scheduled', () => {
    const snapshot = { status: 'running', pausedUntil: '2026-12-01T10:00:00.000Z' } as CampaignState;
    applyEnd(snapshot, { status: 'stopped', reason: 'auth' });
    expect(snapshot).toMatchObject({ status: 'stopped', reason: 'auth', pausedUntil: undefined });
    applyEnd(snapshot, { status: 'scheduled', reason: 'later', nextDueAt: '2026-12-02T08:00:00.000Z' });
    expect(snapshot).toMatchObject({ status: 'scheduled', pausedUntil: '2026-12-02T08:00:00.000Z' });
    applyEnd(snapshot, { status: 'done', reason: 'all recipients handled' });
    expect(snapshot).toMatchObject({ status: 'done', reason: undefined, pausedUntil: undefined });
  });

  test('the tally names every outcome', () => {
    expect(tallyText({ sent: 3, failed: 1, deferred: 0, skipped: 2, in_doubt: 0 })).toBe('sent 3, failed 1, deferred 0, skipped 2');
    expect(tallyText({ sent: 3, failed: 1, deferred: 0, skipped: 2, in_doubt: 1 })).toBe(
      'sent 3, failed 1, deferred 0, skipped 2, in doubt 1',
    );
  });
});
