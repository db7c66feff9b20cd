/** Self-test of the SMTP test server (test/servers/smtp.ts), driven by nodemailer as a real client. */
import { createTransport } from 'nodemailer';
import { classifySmtpError } from '../src/transports/classify.js';
import { smtpServersPerTest, until } from './helpers/smtp.js';
import { messageIdOf, type InjectedReply, type ReplyStage, type SmtpTestServer } from './servers/smtp.js';

interface ClientOptions {
  host?: string;
  secure?: boolean;
  auth?: { user: string; pass: string; method?: 'PLAIN' | 'LOGIN' };
  tls?: { ca?: string; rejectUnauthorized?: boolean };
  timeoutMs?: number;
}

interface NodemailerError {
  code?: string;
  originalCode?: string;
  response?: string;
  responseCode?: number;
}

function client(server: SmtpTestServer, options: ClientOptions = {}) {
  return createTransport({
    host: options.host ?? server.host,
    port: server.port,
    secure: options.secure ?? false,
    ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.pass }, authMethod: options.auth.method ?? 'PLAIN' } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    connectionTimeout: options.timeoutMs ?? 5000,
    greetingTimeout: options.timeoutMs ?? 5000,
    socketTimeout: options.timeoutMs ?? 5000,
  });
}

async function send(server: SmtpTestServer, to: string, options: ClientOptions = {}) {
  const transport = client(server, options);
  try {
    return await transport.sendMail({ from: 'sender@example.com', to, subject: `Hello ${to}`, text: 'Hi there' });
  } finally {
    transport.close();
  }
}

async function sendExpectingError(server: SmtpTestServer, to: string, options: ClientOptions = {}): Promise<NodemailerError & Error> {
  try {
    await send(server, to, options);
  } catch (error) {
    return error as NodemailerError & Error;
  }
  throw new Error(`sending to ${to} should have failed`);
}

const start = smtpServersPerTest();

test('records an accepted message with envelope, Message-ID and raw data', async () => {
  const server = await start();
  const info = await send(server, 'ann@example.org');
  expect(server.received).toHaveLength(1);
  const [message] = server.received;
  expect(message).toMatchObject({ from: 'sender@example.com', to: ['ann@example.org'], messageId: info.messageId, secure: false });
  expect(message!.raw.toString()).toContain('Subject: Hello ann@example.org');
  expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as T/);
  expect(await until(() => server.currentConnections === 0)).toBe(true);
  expect(server.peakConnections).toBe(1);
});

test('AUTH PLAIN and LOGIN with the right password; a wrong one gets 535 5.7.8 and is classified auth', async () => {
  const server = await start({ auth: { user: 'u', pass: 'right' } });
  await send(server, 'a@example.org', { auth: { user: 'u', pass: 'right', method: 'PLAIN' } });
  await send(server, 'b@example.org', { auth: { user: 'u', pass: 'right', method: 'LOGIN' } });
  expect(server.received.map((m) => [m.to[0], m.user])).toEqual([
    ['a@example.org', 'u'],
    ['b@example.org', 'u'],
  ]);

  const error = await sendExpectingError(server, 'c@example.org', { auth: { user: 'u', pass: 'wrong' } });
  expect(error.code).toBe('EAUTH');
  expect(error.response).toBe('535 5.7.8 Username and Password not accepted.');
  expect(classifySmtpError(error).kind).toBe('auth');
  expect(server.authFailures).toBe(1);

  const anonymous = await sendExpectingError(server, 'd@example.org');
  expect(anonymous.responseCode).toBe(530);
  expect(server.received).toHaveLength(2);
});

test('STARTTLS on a self-signed certificate: rejected by default (config), accepted when trusted', async () => {
  const server = await start({ security: 'starttls', auth: { user: 'u', pass: 'p' } });
  const auth = { user: 'u', pass: 'p' };
  const rejected = await sendExpectingError(server, 'a@example.org', { auth });
  expect(rejected.originalCode).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  const classified = classifySmtpError(rejected, { host: server.host, port: server.port });
  expect(classified.kind).toBe('config');
  expect(classified.message).toContain('--insecure-tls');

  await send(server, 'b@example.org', { host: 'localhost', auth, tls: { ca: server.certificate } });
  await send(server, 'c@example.org', { auth, tls: { rejectUnauthorized: false } });
  expect(server.received.map((m) => [m.to[0], m.secure])).toEqual([
    ['b@example.org', true],
    ['c@example.org', true],
  ]);
});

test('implicit TLS', async () => {
  const server = await start({ security: 'tls' });
  const plain = await sendExpectingError(server, 'a@example.org', { tls: { ca: server.certificate }, timeoutMs: 500 });
  expect(plain.code).toBe('ETIMEDOUT'); // a plain client never gets the greeting
  await send(server, 'b@example.org', { host: 'localhost', secure: true, tls: { ca: server.certificate } });
  expect(server.received.map((m) => [m.to[0], m.secure])).toEqual([['b@example.org', true]]);
});

describe('injected replies reach the client as real servers send them', () => {
  const cases: [ReplyStage, number, string, string][] = [
    // a generic "try again later" names no limit; a recipient receiving too quickly is about that recipient only
    ['mail', 421, '4.7.0 Try again later, closing connection.', 'transient'],
    ['rcpt', 450, '4.2.1 The user you are trying to contact is receiving email too quickly.', 'transient'],
    ['data', 451, '4.3.0 Requested action aborted: local error in processing', 'transient'],
    ['rcpt', 452, '4.5.3 Your message has too many recipients.', 'transient'],
    ['mail', 454, '4.7.0 Too many login attempts, please try again later.', 'throttled'],
    ['rcpt', 550, '5.1.1 The email account that you tried to reach does not exist.', 'permanent'],
    ['data', 554, '5.7.1 Message rejected due to content restrictions', 'permanent'],
    ['mail', 550, '5.4.5 Daily user sending limit exceeded.', 'quota'],
  ];
  test.each(cases)('%s → %d %s', async (stage, code, message, kind) => {
    const server = await start({
      replies: (s, _session, recipient) =>
        s === stage && (s !== 'rcpt' || recipient === 'bad@example.org') ? { code, message } : undefined,
    });
    const error = await sendExpectingError(server, 'bad@example.org');
    expect(error.responseCode).toBe(code);
    expect(error.response).toBe(`${code} ${message}`);
    expect(classifySmtpError(error).kind).toBe(kind);
    expect(server.received).toHaveLength(0);
    expect(server.injected).toEqual([expect.objectContaining({ stage, reply: `${code} ${message}` })]);
    // the server goes on normally for others
    server.setReply(undefined);
    await send(server, 'good@example.org');
    expect(server.received.map((m) => m.to)).toEqual([['good@example.org']]);
  });

  test('421 closes the connection', async () => {
    const server = await start({
      replies: (stage) => (stage === 'data' ? { code: 421, message: '4.7.0 Try again later, closing connection.' } : undefined),
    });
    const transport = createTransport({ pool: true, maxConnections: 1, host: server.host, port: server.port, secure: false });
    try {
      await expect(transport.sendMail({ from: 's@example.com', to: 'a@example.org', text: 'x' })).rejects.toMatchObject({
        responseCode: 421,
      });
      const opened = server.connectionsOpened;
      expect(await until(() => server.currentConnections === 0)).toBe(true);
      server.setReply(undefined);
      await transport.sendMail({ from: 's@example.com', to: 'b@example.org', text: 'x' });
      expect(server.connectionsOpened).toBe(opened + 1); // the pool had to reconnect
    } finally {
      transport.close();
    }
  });

  test("'drop' cuts the connection in the middle of DATA; nothing is recorded; the next message goes through", async () => {
    let drops = 1;
    const server = await start({ replies: (stage) => (stage === 'data' && drops-- > 0 ? 'drop' : undefined) });
    const error = await sendExpectingError(server, 'a@example.org');
    expect(error.code).toBe('ECONNECTION');
    expect(classifySmtpError(error).kind).toBe('transient');
    expect(server.received).toHaveLength(0);
    expect(server.injected).toEqual([expect.objectContaining({ stage: 'data', reply: 'drop' })]);
    await send(server, 'a@example.org');
    expect(server.received.map((m) => m.to)).toEqual([['a@example.org']]);
  });

  test('the hook sees the session: transaction number, envelope so far, the user', async () => {
    const seen: string[] = [];
    const server = await start({
      auth: { user: 'u', pass: 'p' },
      replies: (stage, session, recipient): InjectedReply => {
        seen.push(`${stage} ${session.transaction} ${session.user} ${session.from} [${session.to.join(',')}] ${recipient ?? '-'}`);
        return undefined;
      },
    });
    await send(server, 'a@example.org', { auth: { user: 'u', pass: 'p' } });
    expect(seen).toEqual([
      'mail 1 u sender@example.com [] -',
      'rcpt 1 u sender@example.com [] a@example.org',
      'data 1 u sender@example.com [a@example.org] -',
    ]);
  });
});

test('maxConnections: the (K+1)th simultaneous connection gets 421 too many connections; the peak stays K', async () => {
  const server = await start({ maxConnections: 2, delayMs: 400 });
  const results = await Promise.allSettled(['a', 'b', 'c'].map((name) => send(server, `${name}@example.org`)));
  const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
  expect(rejected).toHaveLength(1);
  const error = rejected[0]!.reason as NodemailerError;
  expect(error.responseCode).toBe(421);
  expect(error.response).toMatch(/^421 4\.7\.0 mx\.test Error: too many connections from 127\.0\.0\.1/);
  expect(classifySmtpError(error).kind).toBe('throttled');
  expect(server.received).toHaveLength(2);
  expect(server.peakConnections).toBe(2);
  expect(server.refusedConnections).toBe(1);
  expect(server.connectionsOpened).toBe(3);
});

test('without a cap the peak counts every simultaneous session', async () => {
  const server = await start({ delayMs: 300 });
  await Promise.all(['a', 'b', 'c'].map((name) => send(server, `${name}@example.org`)));
  expect(server.peakConnections).toBe(3);
  expect(await until(() => server.currentConnections === 0)).toBe(true);
});

test('rateLimit answers 450 4.7.1 too much mail; dailyLimit answers 550 5.4.5', async () => {
  const rated = await start({ rateLimit: { max: 2, windowMs: 60_000 } });
  await send(rated, 'a@example.org');
  await send(rated, 'b@example.org');
  const slow = await sendExpectingError(rated, 'c@example.org');
  expect(slow.response).toBe('450 4.7.1 Error: too much mail from 127.0.0.1');
  expect(classifySmtpError(slow).kind).toBe('throttled');

  const daily = await start({ dailyLimit: 1 });
  await send(daily, 'a@example.org');
  const over = await sendExpectingError(daily, 'b@example.org');
  expect(over.response).toBe('550 5.4.5 Daily user sending limit exceeded.');
  expect(classifySmtpError(over).kind).toBe('quota');
  expect(daily.received).toHaveLength(1);
});

test('requireMessageId refuses a message without one, like Gmail', async () => {
  const server = await start({ requireMessageId: true });
  const transport = client(server);
  try {
    const raw = 'From: s@example.com\r\nTo: a@example.org\r\nSubject: no id\r\n\r\nbody\r\n';
    await expect(transport.sendMail({ envelope: { from: 's@example.com', to: ['a@example.org'] }, raw })).rejects.toMatchObject({
      response: '550 5.7.1 Messages missing a valid Message-ID: header are not accepted.',
    });
    await transport.sendMail({ envelope: { from: 's@example.com', to: ['a@example.org'] }, raw: `Message-ID: <x1@example.com>\r\n${raw}` });
  } finally {
    transport.close();
  }
  expect(server.received.map((m) => m.messageId)).toEqual(['<x1@example.com>']);
});

test('messageIdOf reads folded headers and ignores the body', () => {
  expect(messageIdOf(Buffer.from('Subject: x\r\nMessage-ID:\r\n <abc@example.com>\r\n\r\nbody'))).toBe('<abc@example.com>');
  expect(messageIdOf(Buffer.from('Subject: x\r\n\r\nMessage-ID: <body@example.com>\r\n'))).toBeUndefined();
  expect(messageIdOf(Buffer.from('message-id: <lower@example.com>\n\nbody'))).toBe('<lower@example.com>');
});
