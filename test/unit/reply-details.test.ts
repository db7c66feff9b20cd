/** What the transports decide about a reply and carry on DeliveryError.details, so that nothing downstream reads its text. */
import { classifyHttpError, classifySmtpError } from '../../src/transports/classify.js';
import { nodemailerReplyError, nodemailerSocketError } from '../helpers/nodemailer-errors.js';

/** Shaped like nodemailer's error for a server reply, or for a socket that failed. */
const reply = (text: string) => nodemailerReplyError(text, 'MAIL FROM');
const socket = nodemailerSocketError;

test.each([
  ['421 4.7.0 Error: too many connections from 127.0.0.1', 'connections'],
  ['421 4.3.2 Too many concurrent SMTP connections; please try again later.', 'connections'],
  ['450 4.7.1 Error: too much mail from 127.0.0.1', 'rate'],
  ['451 4.7.1 Please try again later, you are sending too fast (rate limit exceeded)', 'rate'],
])('SMTP "%s": throttled, about %s, the server answered', (text, limit) => {
  expect(classifySmtpError(reply(text))).toMatchObject({ kind: 'throttled', details: { limit, replied: true } });
});

test('a refused or unresolvable server is unreachable (a setting on the first connect, network loss later); a bad certificate is not', () => {
  expect(classifySmtpError(socket('connect ECONNREFUSED 127.0.0.1:1', 'ESOCKET', 'ECONNREFUSED')).details).toEqual({
    code: 'ECONNREFUSED',
    unreachable: true,
  });
  expect(classifySmtpError(socket('getaddrinfo ENOTFOUND x.invalid', 'EDNS', 'ENOTFOUND')).details).toEqual({
    code: 'ENOTFOUND',
    unreachable: true,
  });
  expect(
    classifySmtpError(socket('self-signed certificate', 'ESOCKET', 'DEPTH_ZERO_SELF_SIGNED_CERT')).details.unreachable,
  ).toBeUndefined();
});

test('a dropped connection carries no "replied": the send loop counts it as the network, not as a temporary reply', () => {
  const dropped = classifySmtpError(socket('Connection closed unexpectedly', 'ECONNECTION', 'ECONNRESET'));
  expect(dropped).toMatchObject({ kind: 'transient', details: { code: 'ECONNRESET' } });
  expect(dropped.details.replied).toBeUndefined();
  expect(classifySmtpError(reply('451 4.3.0 Mail server temporarily rejected message.')).details).toEqual({
    code: '451 4.3.0',
    replied: true,
  });
});

test('HTTP: Graph over its concurrency is about connections, a Gmail rate limit about the rate', () => {
  const graph = classifyHttpError(
    429,
    { error: { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' } },
    { 'Retry-After': '2' },
  );
  expect(graph).toMatchObject({ kind: 'throttled', details: { limit: 'connections', replied: true, code: '429 ApplicationThrottled' } });
  const gmail = classifyHttpError(429, {
    error: { code: 429, message: 'Rate Limit Exceeded', errors: [{ reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded' }] },
  });
  expect(gmail).toMatchObject({ kind: 'throttled', details: { limit: 'rate', replied: true } });
  expect(classifyHttpError(500, 'oops').details).toEqual({ code: '500', replied: true });
});
