import { classifyHttpError, classifySmtpError, isUnreachable, matchSmtpRule } from '../src/transports/classify.js';
import { parseRetryAfter, retryHint } from '../src/transports/retry-after.js';
import { parseReply, smtpFacts } from '../src/transports/smtp-reply.js';
import { DeliveryError } from '../src/transports/transport.js';
import { httpErrors, smtpReplies } from './fixtures/provider-replies.js';
import { nodemailerReplyError, nodemailerSocketError } from './helpers/nodemailer-errors.js';

const now = new Date('2026-09-09T21:40:00.000Z');

describe('classifySmtpError: real provider replies', () => {
  test.each(smtpReplies.map((f) => [f.source, f.reply.split('\n').at(-1)!, f] as const))('%s: %s', (_source, _line, fixture) => {
    const error = classifySmtpError(nodemailerReplyError(fixture.reply, fixture.command));
    expect(error).toBeInstanceOf(DeliveryError);
    expect({ kind: error.kind, code: error.details.code }).toEqual({ kind: fixture.kind, code: fixture.code });
    // only a reply that names connections or the rate moves a limit; one about a recipient moves none
    const about = error.details.recipientOnly ? 'recipient' : error.details.limit;
    expect(about).toBe(fixture.about);
    // the message is human: it carries the server's words, not nodemailer's prefix
    expect(error.message).not.toMatch(/Can't send mail|Mail command failed|Message failed/);
    const text = parseReply(fixture.reply).text;
    expect(error.message).toContain(text.slice(0, 30));
  });

  test('the reply decides, not the nodemailer code that wraps it', () => {
    for (const fixture of smtpReplies) {
      const kinds = new Set(
        (['MAIL FROM', 'RCPT TO', 'DATA', 'CONN'] as const).map(
          (command) => classifySmtpError(nodemailerReplyError(fixture.reply, command)).kind,
        ),
      );
      expect([...kinds]).toEqual([fixture.kind]);
    }
  });

  test('quota rows win over the generic 5xx row and the rate rows', () => {
    expect(matchSmtpRule(smtpFacts(nodemailerReplyError('550 5.4.5 Daily user sending limit exceeded.', 'MAIL FROM'))).kind).toBe('quota');
    expect(classifySmtpError(nodemailerReplyError('550 5.4.6 Something else', 'MAIL FROM')).kind).toBe('permanent');
    expect(classifySmtpError(nodemailerReplyError('554 5.2.0 STOREDRV.Submission.Exception:SomethingElse', 'DATA')).kind).toBe('permanent');
  });

  test('a rate reply during AUTH slows down, it does not stop the campaign', () => {
    const error = classifySmtpError(nodemailerReplyError('454 4.7.0 Too many login attempts, please try again later.', 'AUTH PLAIN'));
    expect(error.kind).toBe('throttled');
  });

  test('"try again later" at RCPT TO is about that recipient; the same words to MAIL FROM or DATA move no limit either', () => {
    const rcpt = classifySmtpError(nodemailerReplyError('450 4.7.1 Service unavailable, try again later', 'RCPT TO'));
    expect(rcpt).toMatchObject({ kind: 'transient', details: { recipientOnly: true } });
    for (const command of ['MAIL FROM', 'DATA'] as const) {
      const other = classifySmtpError(nodemailerReplyError('421 4.7.0 Try again later, closing connection.', command));
      expect({ kind: other.kind, limit: other.details.limit, recipientOnly: other.details.recipientOnly }).toEqual({
        kind: 'transient',
        limit: undefined,
        recipientOnly: undefined,
      });
    }
  });

  test('auth messages say how to link the account again, with the account name when known', () => {
    const reply = '535 5.7.8 Username and Password not accepted.';
    const error = classifySmtpError(nodemailerReplyError(reply, 'AUTH PLAIN'), { account: 'office', host: 'smtp.example.org', port: 587 });
    expect(error.kind).toBe('auth');
    expect(error.message).toContain(reply);
    expect(error.message).toContain('smtp.example.org:587');
    expect(error.message).toContain('mailshot accounts add smtp office');
    const basic = classifySmtpError(
      nodemailerReplyError('535 5.7.139 Authentication unsuccessful, basic authentication is disabled.', 'AUTH PLAIN'),
    );
    expect(basic.message).toMatch(/SMTP AUTH/);
    expect(basic.message).toContain('accounts add microsoft');
  });

  test('permanent and quota messages are the server reply itself', () => {
    const reply = '550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table';
    expect(classifySmtpError(nodemailerReplyError(reply, 'RCPT TO')).message).toBe(reply);
  });

  test('a reply code without reply text still gives a code', () => {
    const error = classifySmtpError(Object.assign(new Error('Message failed'), { code: 'EMESSAGE', responseCode: 451 }));
    expect(error.kind).toBe('transient');
    expect(error.details.code).toBe('451');
  });
});

describe('classifySmtpError: socket, DNS, TLS and auth errors as nodemailer throws them', () => {
  const cases: [string, Error, string, string][] = [
    [
      'connection refused',
      nodemailerSocketError('connect ECONNREFUSED 127.0.0.1:2525', 'ESOCKET', 'ECONNREFUSED'),
      'config',
      'ECONNREFUSED',
    ],
    ['unknown host', nodemailerSocketError('getaddrinfo ENOTFOUND smtp.exmaple.com', 'EDNS', 'ENOTFOUND'), 'config', 'ENOTFOUND'],
    [
      'DNS resolver unreachable',
      nodemailerSocketError('getaddrinfo EAI_AGAIN smtp.example.com', 'EDNS', 'EAI_AGAIN'),
      'transient',
      'EAI_AGAIN',
    ],
    [
      'self-signed, implicit TLS',
      nodemailerSocketError('self-signed certificate', 'ESOCKET', 'DEPTH_ZERO_SELF_SIGNED_CERT'),
      'config',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
    ],
    [
      'self-signed in chain',
      nodemailerSocketError('self-signed certificate in certificate chain', 'ESOCKET', 'SELF_SIGNED_CERT_IN_CHAIN'),
      'config',
      'SELF_SIGNED_CERT_IN_CHAIN',
    ],
    [
      'wrong host name',
      nodemailerSocketError(
        "Hostname/IP does not match certificate's altnames: Host: mail.example.org. is not in the cert's altnames: DNS:localhost",
        'ESOCKET',
        'ERR_TLS_CERT_ALTNAME_INVALID',
      ),
      'config',
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ],
    [
      'STARTTLS certificate (message only)',
      nodemailerSocketError('Error initiating TLS - unable to verify the first certificate', 'ETLS'),
      'config',
      'ETLS',
    ],
    [
      'TLS to a plain port',
      nodemailerSocketError(
        '807C44785E7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n',
        'ESOCKET',
        'ERR_SSL_WRONG_VERSION_NUMBER',
      ),
      'config',
      'ERR_SSL_WRONG_VERSION_NUMBER',
    ],
    ['reset mid-session', nodemailerSocketError('read ECONNRESET', 'ESOCKET', 'ECONNRESET'), 'transient', 'ECONNRESET'],
    ['closed mid-DATA', nodemailerSocketError('Connection closed unexpectedly', 'ECONNECTION'), 'transient', 'ECONNECTION'],
    [
      'socket timeout',
      Object.assign(nodemailerSocketError('Timeout', 'ETIMEDOUT'), { timeoutType: 'SOCKET_TIMEOUT' }),
      'transient',
      'ETIMEDOUT',
    ],
    ['greeting timeout', nodemailerSocketError('Greeting never received', 'ETIMEDOUT'), 'transient', 'ETIMEDOUT'],
    ['no route', nodemailerSocketError('connect EHOSTUNREACH 10.0.0.1:587', 'ESOCKET', 'EHOSTUNREACH'), 'transient', 'EHOSTUNREACH'],
    [
      'missing credentials',
      Object.assign(new Error('Missing credentials for "PLAIN"'), { code: 'EAUTH', command: 'API' }),
      'auth',
      'EAUTH',
    ],
    ['no auth info', Object.assign(new Error('Authentication info was not provided'), { code: 'ENOAUTH' }), 'auth', 'ENOAUTH'],
    [
      'bad recipient syntax',
      Object.assign(new Error('Invalid recipient "a b"'), { code: 'EENVELOPE', command: 'API' }),
      'permanent',
      'EENVELOPE',
    ],
    [
      'raw system error (not wrapped)',
      Object.assign(new Error('connect ECONNREFUSED ::1:25'), { code: 'ECONNREFUSED' }),
      'config',
      'ECONNREFUSED',
    ],
    [
      'error in cause',
      new Error('send failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }),
      'transient',
      'ECONNRESET',
    ],
  ];
  test.each(cases)('%s', (_name, thrown, kind, code) => {
    const error = classifySmtpError(thrown);
    expect({ kind: error.kind, code: error.details.code }).toEqual({ kind, code });
  });

  test('a STARTTLS refusal (the account requires TLS) is a setting to fix, not a recipient that failed', () => {
    const refusal = Object.assign(new Error('Error upgrading connection with STARTTLS'), {
      code: 'ETLS',
      response: '500 Error: command not recognized',
      responseCode: 500,
      command: 'STARTTLS',
    });
    const error = classifySmtpError(refusal, { host: 'mail.example.org', port: 587 });
    expect({ kind: error.kind, code: error.details.code }).toEqual({ kind: 'config', code: '500' });
    expect(error.message).toContain('mail.example.org:587 did not start TLS');
    expect(error.message).toContain('the password was not sent');
    expect(error.message).toContain('--security tls');
  });

  test('config messages name the setting to fix', () => {
    const where = { host: 'mail.example.org', port: 465, account: 'work' };
    const cert = classifySmtpError(nodemailerSocketError('self-signed certificate', 'ESOCKET', 'DEPTH_ZERO_SELF_SIGNED_CERT'), where);
    expect(cert.message).toContain('mail.example.org:465');
    expect(cert.message).toContain('--insecure-tls');
    expect(cert.message).toContain('self-signed certificate');
    const refused = classifySmtpError(nodemailerSocketError('connect ECONNREFUSED 127.0.0.1:465', 'ESOCKET', 'ECONNREFUSED'), where);
    expect(refused.message).toMatch(/--host and --port/);
    const dns = classifySmtpError(nodemailerSocketError('getaddrinfo ENOTFOUND mail.exmaple.org', 'EDNS', 'ENOTFOUND'), {
      host: 'mail.exmaple.org',
    });
    expect(dns.message).toContain('cannot find the host mail.exmaple.org');
    expect(dns.message).toContain('--host');
    const wrongTls = classifySmtpError(
      nodemailerSocketError(
        '807C:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:x.c:350:\n',
        'ESOCKET',
        'ERR_SSL_WRONG_VERSION_NUMBER',
      ),
    );
    expect(wrongTls.message).toContain('wrong version number');
    expect(wrongTls.message).not.toContain('SSL routines');
    expect(wrongTls.message).toContain('--security');
  });

  test('isUnreachable separates "could not reach" from settings that are surely wrong', () => {
    expect(isUnreachable(classifySmtpError(nodemailerSocketError('connect ECONNREFUSED 127.0.0.1:1', 'ESOCKET', 'ECONNREFUSED')))).toBe(
      true,
    );
    expect(isUnreachable(classifySmtpError(nodemailerSocketError('getaddrinfo ENOTFOUND x.invalid', 'EDNS', 'ENOTFOUND')))).toBe(true);
    expect(
      isUnreachable(classifySmtpError(nodemailerSocketError('self-signed certificate', 'ESOCKET', 'DEPTH_ZERO_SELF_SIGNED_CERT'))),
    ).toBe(false);
    expect(isUnreachable(classifySmtpError(nodemailerReplyError('535 5.7.8 Username and Password not accepted.', 'AUTH PLAIN')))).toBe(
      false,
    );
  });

  test('anything unknown is transient, strings and non-errors included; a DeliveryError passes through', () => {
    expect(classifySmtpError('boom').kind).toBe('transient');
    expect(classifySmtpError(undefined).kind).toBe('transient');
    expect(classifySmtpError(new Error('something odd')).message).toBe('something odd');
    const already = new DeliveryError('quota', 'x');
    expect(classifySmtpError(already)).toBe(already);
  });
});

describe('retry hints', () => {
  test.each([
    ['User-rate limit exceeded.  Retry after 2026-09-09T21:44:42.819Z (Mail sending)', '2026-09-09T21:44:42.819Z'],
    ['421 4.7.0 Try again later, retry in 30 seconds', '2026-09-09T21:40:30.000Z'],
    ['450 4.7.1 rate limited, try again in 2 minutes', '2026-09-09T21:42:00.000Z'],
    ['451 4.7.1 Please retry after 1 hour', '2026-09-09T22:40:00.000Z'],
    ['Retry after 2026-09-09T21:44:42+02:00', '2026-09-09T19:44:42.000Z'],
  ])('%s', (text, iso) => {
    expect(retryHint(text, now)?.toISOString()).toBe(iso);
  });

  test('no hint, no date', () => {
    expect(retryHint('421 4.7.0 Try again later, closing connection.', now)).toBeUndefined();
    expect(retryHint('Retry after sometime', now)).toBeUndefined();
  });

  test('an SMTP reply with a hint sets retryAt', () => {
    const error = classifySmtpError(nodemailerReplyError('421 4.7.0 Too many messages, retry in 45 seconds', 'MAIL FROM'), { now });
    expect(error.kind).toBe('throttled');
    expect(error.details.retryAt?.toISOString()).toBe('2026-09-09T21:40:45.000Z');
    expect(
      classifySmtpError(nodemailerReplyError('421 4.7.0 Try again later, closing connection.', 'MAIL FROM')).details.retryAt,
    ).toBeUndefined();
  });

  test('Retry-After: fractional seconds, integer seconds, HTTP date, garbage', () => {
    expect(parseRetryAfter('2.128', now)?.getTime()).toBe(now.getTime() + 2128);
    expect(parseRetryAfter('7', now)?.getTime()).toBe(now.getTime() + 7000);
    expect(parseRetryAfter('Wed, 09 Sep 2026 21:45:00 GMT', now)?.toISOString()).toBe('2026-09-09T21:45:00.000Z');
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('classifyHttpError: Gmail API and Microsoft Graph error bodies', () => {
  test.each(httpErrors.map((f) => [f.name, f] as const))('%s', (_name, fixture) => {
    const error = classifyHttpError(fixture.status, fixture.body, fixture.headers, { now });
    expect({ kind: error.kind, code: error.details.code }).toEqual({ kind: fixture.kind, code: fixture.code });
    if (fixture.retryAt === undefined) {
      expect(error.details.retryAt).toBeUndefined();
    } else if (fixture.retryAt.startsWith('now+')) {
      expect(error.details.retryAt?.getTime()).toBe(now.getTime() + Number(fixture.retryAt.slice(4)));
    } else {
      expect(error.details.retryAt?.toISOString()).toBe(fixture.retryAt);
    }
  });

  test('reason beats status: the same 403 is throttled, quota or permanent by its reason', () => {
    const body = (reason: string) => ({ error: { code: 403, message: 'x', errors: [{ reason }] } });
    expect(classifyHttpError(403, body('userRateLimitExceeded'), {}).kind).toBe('throttled');
    expect(classifyHttpError(403, body('dailyLimitExceeded'), {}).kind).toBe('quota');
    expect(classifyHttpError(403, body('forbidden'), {}).kind).toBe('permanent');
  });

  test('the later of Retry-After and "Retry after <ISO>" wins', () => {
    const body = {
      error: {
        code: 429,
        message: 'User-rate limit exceeded.  Retry after 2026-09-09T21:44:42.819Z',
        errors: [{ reason: 'userRateLimitExceeded' }],
      },
    };
    expect(classifyHttpError(429, body, { 'Retry-After': '1' }, { now }).details.retryAt?.toISOString()).toBe('2026-09-09T21:44:42.819Z');
    expect(classifyHttpError(429, body, { 'retry-after': '3600' }, { now }).details.retryAt?.toISOString()).toBe(
      '2026-09-09T22:40:00.000Z',
    );
  });

  test('auth messages say how to link the account again', () => {
    const google = classifyHttpError(
      400,
      { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
      {},
      { account: 'me', provider: 'google' },
    );
    expect(google.message).toContain('Token has been expired or revoked.');
    expect(google.message).toContain('mailshot accounts add google me');
    const microsoft = classifyHttpError(
      401,
      { error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired or is not yet valid.' } },
      {},
      { account: 'me', provider: 'microsoft' },
    );
    expect(microsoft.message).toContain('mailshot accounts remove me, then mailshot accounts add microsoft me');
  });

  test('messages carry the provider words', () => {
    const error = classifyHttpError(
      429,
      { error: { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' } },
      {},
    );
    expect(error.message).toBe('429 ApplicationThrottled: Application is over its MailboxConcurrency limit.');
  });
});
