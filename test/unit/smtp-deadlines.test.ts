/** The reply watch times each reply from its command, in order, as nodemailer's transaction log shows them. */
import { EventEmitter } from 'node:events';
import { jest } from '@jest/globals';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import { ReplyWatch, smtpDeadlines } from '../../src/transports/smtp-deadlines.js';

const deadlines = { ...smtpDeadlines, command: 1_000, envelope: 5_000, data: 2_000, endOfData: 10_000 };

/** A stand-in connection: its socket records the error that ends it. */
function watched() {
  const destroyed: Error[] = [];
  const connection = Object.assign(new EventEmitter(), { _socket: { destroy: (error: Error) => destroyed.push(error) } });
  const watch = new ReplyWatch(deadlines);
  watch.attach(connection as unknown as SMTPConnection);
  const client = (line: string) => watch.logger.debug({ tnx: 'client' }, line);
  const server = (line: string) => watch.logger.debug({ tnx: 'server' }, line);
  return {
    destroyed,
    client,
    server,
    bodyEnd: () => watch.logger.info({ tnx: 'message' }, '<%s bytes encoded mime message (source size %s bytes)>', 10, 10),
  };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('a whole session answered in time, pipelined envelope included, ends nothing', () => {
  const { destroyed, client, server, bodyEnd } = watched();
  server('220 greeting (nothing asked it)');
  client('EHLO me');
  server('250-x\n250 PIPELINING');
  client('AUTH PLAIN /* secret */');
  server('235 ok');
  for (const line of ['MAIL FROM:<a@example.com>', 'RCPT TO:<b@example.com>', 'RCPT TO:<c@example.com>', 'DATA']) client(line);
  for (const line of ['250 ok', '250 ok', '550 no', '354 go']) server(line);
  bodyEnd();
  jest.advanceTimersByTime(9_000);
  server('250 queued');
  jest.advanceTimersByTime(60_000);
  expect(destroyed).toEqual([]);
});

test.each([
  ['EHLO', ['EHLO me'], 1_000],
  ['AUTH', ['AUTH LOGIN', '334 VXNlcm5hbWU6', 'bWU='], 1_000],
  ['RCPT', ['MAIL FROM:<a@example.com>', 'RCPT TO:<b@example.com>', '250 ok'], 5_000],
  ['the end of the message', ['DATA', '354 go', 'END'], 10_000],
])('no complete reply to %s in its time ends the connection, naming it', (what, script, ms) => {
  const { destroyed, client, server, bodyEnd } = watched();
  for (const line of script) {
    if (line === 'END') bodyEnd();
    else if (/^\d{3}\b/.test(line)) server(line);
    else client(line);
  }
  jest.advanceTimersByTime(ms - 1);
  expect(destroyed).toEqual([]);
  jest.advanceTimersByTime(1);
  expect(destroyed.map((error) => [(error as NodeJS.ErrnoException).code, error.message])).toEqual([
    ['ETIMEDOUT', `the server did not complete its reply to ${what} within ${ms / 1000} s`],
  ]);
});
