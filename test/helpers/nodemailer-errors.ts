/** Errors shaped like the ones nodemailer throws, for the in-process tests of what a reply decides. */
import type { SmtpReplyFixture } from '../fixtures/provider-replies.js';

/** An error shaped like the one nodemailer's SMTPConnection._formatError builds for a server reply. */
export function nodemailerReplyError(reply: string, command: SmtpReplyFixture['command']): Error {
  const [code, prefix] = {
    CONN: ['ECONNECTION', 'Connection closed unexpectedly'],
    'AUTH PLAIN': ['EAUTH', 'Invalid login'],
    'MAIL FROM': ['EENVELOPE', 'Mail command failed'],
    'RCPT TO': ['EENVELOPE', "Can't send mail - all recipients were rejected"],
    DATA: ['EMESSAGE', 'Message failed'],
  }[command];
  const responseCode = Number(/^\d+/.exec(reply)![0]);
  return Object.assign(new Error(`${prefix}: ${reply}`), {
    code,
    response: reply,
    responseCode,
    permanent: responseCode >= 500 && responseCode !== 503,
    command,
  });
}

/** An error shaped like a socket/DNS/TLS failure that nodemailer wrapped (its code first, the system's kept). */
export function nodemailerSocketError(message: string, code: string, originalCode?: string): Error {
  return Object.assign(new Error(message), { code, ...(originalCode ? { originalCode } : {}), command: 'CONN' });
}
