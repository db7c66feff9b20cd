/**
 * One failure, one action: real replies (test/fixtures/provider-replies.ts) read by the transports' rule tables,
 * then decide() — what becomes of the recipient, whether the account slows down and on which limit, whether the
 * run pauses (until when) or stops, and the words.
 */
import { decide, maxRetryWaitMs, type Action, type FailureContext } from '../../src/delivery/decide.js';
import { classifyHttpError, classifySmtpError } from '../../src/transports/classify.js';
import { lostAfterHandOver } from '../../src/transports/hand-over.js';
import { DeliveryError, type DeliveryErrorKind } from '../../src/transports/transport.js';
import { httpErrors, smtpReplies, type SmtpReplyFixture } from '../fixtures/provider-replies.js';
import { nodemailerReplyError, nodemailerSocketError } from '../helpers/nodemailer-errors.js';

const now = Date.parse('2026-09-09T21:40:00.000Z');
const context = (more: Partial<FailureContext> = {}): FailureContext => ({
  attempt: 1,
  deliveredBefore: true,
  now,
  random: () => 0.5,
  ...more,
});
const smtp = (reply: string, command: SmtpReplyFixture['command']) => classifySmtpError(nodemailerReplyError(reply, command));
const http = (name: string) => {
  const fixture = httpErrors.find((error) => error.name === name)!;
  return classifyHttpError(fixture.status, fixture.body, fixture.headers, { now: new Date(now) });
};

/** What the first failed hand-off of a recipient comes to, per kind (the retry of a transient reply or recipient alike). */
const firstAction: Record<DeliveryErrorKind, Action['then']> = {
  permanent: 'fail',
  transient: 'retry',
  throttled: 'slow',
  quota: 'pause',
  auth: 'stop',
  config: 'stop',
};

describe('every real reply comes to one action', () => {
  test.each(smtpReplies.map((fixture) => [fixture.reply.split('\n').at(-1)!, fixture] as const))('SMTP %s', (_line, fixture) => {
    const failure = smtp(fixture.reply, fixture.command);
    const action = decide(failure, context());
    expect(action.then).toBe(firstAction[fixture.kind]);
    // a throttling reply slows the limit it named, and only that one
    if (action.then === 'slow') expect(action.slow.limit).toBe(fixture.about);
    expect(action.words).toContain(failure.message);
  });

  test.each(httpErrors.map((fixture) => [fixture.name, fixture] as const))('HTTP %s', (name, fixture) => {
    const action = decide(http(name), context());
    expect(action.then).toBe(firstAction[fixture.kind]);
    if (fixture.retryAt && action.then === 'slow') expect(action.slow.until).toBeDefined();
  });
});

describe('the whole action, from real replies', () => {
  test('greylisting (milter) retries this recipient in 15 s, 30 s … and defers it after the 6th hand-off; nothing slows', () => {
    const greylisted = smtp('451 4.7.1 Greylisting in action, please come back later', 'RCPT TO');
    const words = greylisted.message;
    expect(decide(greylisted, context())).toEqual({ then: 'retry', afterMs: 15_000, words });
    expect(decide(greylisted, context({ attempt: 2 }))).toEqual({ then: 'retry', afterMs: 30_000, words });
    expect(decide(greylisted, context({ attempt: 6 }))).toEqual({ then: 'defer', words });
  });

  test("Postfix's queue file error (451 at DATA) is retried after 1 s, 2 s, then deferred", () => {
    const busy = smtp('451 4.3.0 Error: queue file write error', 'DATA');
    expect(decide(busy, context())).toEqual({ then: 'retry', afterMs: 1000, words: busy.message });
    expect(decide(busy, context({ attempt: 2 }))).toEqual({ then: 'retry', afterMs: 2000, words: busy.message });
    expect(decide(busy, context({ attempt: 3 }))).toEqual({ then: 'defer', words: busy.message });
  });

  test("Postfix's anvil (421 too many connections) slows the account's connections, then waits what the pacer holds", () => {
    const anvil = smtp('421 4.7.0 mail.example.org Error: too many connections from 127.0.0.1', 'CONN');
    const reason = anvil.message;
    expect(decide(anvil, context())).toEqual({ then: 'slow', slow: { limit: 'connections', reason }, words: reason });
    expect(decide(anvil, context({ heldMs: 1200 }))).toEqual({ then: 'retry', afterMs: 1200, words: reason });
    expect(decide(anvil, context({ attempt: 8, heldMs: 1200 }))).toEqual({ then: 'defer', words: reason });
    // refused 8 times, but other messages got through in between: the account is moving, this recipient waits its turn
    expect(decide(anvil, context({ attempt: 8, stalled: 1, heldMs: 1200 }))).toEqual({ then: 'retry', afterMs: 1200, words: reason });
    expect(decide(anvil, context({ attempt: 20, stalled: 8, heldMs: 1200 }))).toEqual({ then: 'defer', words: reason });
    // only throttling is counted that way: a greylisted recipient is deferred after its own 6 hand-offs
    const greylisted = smtp(
      '450 4.7.1 <r@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/',
      'RCPT TO',
    );
    expect(decide(greylisted, context({ attempt: 6, stalled: 1 })).then).toBe('defer');
    // a hold past the cap pauses the run until it ends, out of attempts or not
    const long = maxRetryWaitMs + 1;
    for (const attempt of [1, 8]) {
      expect(decide(anvil, context({ attempt, heldMs: long }))).toEqual({
        then: 'pause',
        until: { at: now + long },
        words: `the server asked to wait (${reason})`,
      });
    }
  });

  test("Postfix's anvil about the message rate slows the rate, not the connections", () => {
    const action = decide(smtp('450 4.7.1 Error: too much mail from 127.0.0.1', 'MAIL FROM'), context());
    expect(action).toMatchObject({ then: 'slow', slow: { limit: 'rate' } });
  });

  test("Gmail's user-rate 429 slows the rate and holds the account until the server's time", () => {
    expect(decide(http('Gmail 429 user-rate with Retry after <ISO>'), context())).toMatchObject({
      then: 'slow',
      slow: { limit: 'rate', until: Date.parse('2026-09-09T21:44:42.819Z') },
    });
  });

  test("Graph's MailboxConcurrency slows the connections, held for its Retry-After", () => {
    expect(decide(http('Graph 429 ApplicationThrottled MailboxConcurrency'), context())).toMatchObject({
      then: 'slow',
      slow: { limit: 'connections', until: now + 1000 },
    });
  });

  test("a used-up quota pauses the run until the server's time, else until the daily window frees (an hour without one)", () => {
    const mailSending = http('Gmail 429 user-rate (Mail sending) with Retry after <ISO>');
    expect(decide(mailSending, context())).toEqual({
      then: 'pause',
      until: { at: Date.parse('2026-09-09T21:44:42.819Z') },
      words: `the account's sending quota is used up (${mailSending.message})`,
    });
    const daily = smtp('550 5.4.5 Daily user sending limit exceeded.', 'MAIL FROM');
    expect(decide(daily, context())).toEqual({
      then: 'pause',
      until: { whenQuotaFrees: true, orAt: now + 3_600_000 },
      words: `the account's sending quota is used up (${daily.message})`,
    });
  });

  test('a refused password stops the run with the words that say how to fix it', () => {
    const refused = smtp('535 5.7.8 Username and Password not accepted.', 'AUTH PLAIN');
    const action = decide(refused, context());
    expect(action).toEqual({ then: 'stop', words: refused.message });
    expect(action.words).toContain('mailshot accounts set');
  });

  test('an unknown user fails this recipient only', () => {
    const unknown = smtp('550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table', 'RCPT TO');
    expect(decide(unknown, context())).toEqual({ then: 'fail', words: unknown.message });
  });

  test('a refused connection stops a run that reached nothing yet; after a delivery it is the network: retried, then a pause without a time', () => {
    const refused = classifySmtpError(nodemailerSocketError('connect ECONNREFUSED 127.0.0.1:1', 'ESOCKET', 'ECONNREFUSED'));
    expect(decide(refused, context({ deliveredBefore: false }))).toEqual({ then: 'stop', words: refused.message });
    expect(decide(refused, context())).toEqual({ then: 'retry', afterMs: 1000, words: refused.message });
    expect(decide(refused, context({ attempt: 4 }))).toEqual({ then: 'pause', words: `cannot reach the server (${refused.message})` });
  });

  test('a connection lost after the message was handed over is in doubt, whatever its kind', () => {
    const lost = lostAfterHandOver(classifySmtpError(nodemailerSocketError('Connection closed unexpectedly', 'ECONNECTION', 'ECONNRESET')));
    expect(decide(lost, context())).toEqual({ then: 'in-doubt', words: lost.message });
    expect(decide(lost, context({ attempt: 8 })).then).toBe('in-doubt');
  });

  test('a throttled failure made outside the rule tables, without a limit, slows the rate', () => {
    const bare = new DeliveryError('throttled', 'slow down', { replied: true });
    expect(decide(bare, context())).toEqual({ then: 'slow', slow: { limit: 'rate', reason: 'slow down' }, words: 'slow down' });
  });
});
