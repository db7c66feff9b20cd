/** Reads what an SMTP server (through nodemailer) or the network stack said: reply code, enhanced status, text, error codes. */
import { errorCodes } from './error-codes.js';

/** What the SMTP rows look at, taken from a nodemailer error (or any Error). */
export interface SmtpFacts {
  /** Every error code found: nodemailer's (`ESOCKET`), the system's (`ECONNREFUSED`), a cause's. */
  codes: string[];
  /** The server reply on one line, e.g. `550 5.1.1 The email account … does not exist.`, or ''. */
  reply: string;
  /** 3-digit reply code, 0 when there was no reply. */
  replyCode: number;
  /** Enhanced status code (RFC 3463) such as `5.1.1`, or ''. */
  enhanced: string;
  /** The reply text without codes, or the error message when there was no reply. */
  text: string;
  /** The SMTP command nodemailer was running when it failed (`RCPT TO`, `DATA` …), or ''. */
  command: string;
}

/** Reads the facts the rows look at from whatever nodemailer (or the network stack) threw. */
export function smtpFacts(error: unknown): SmtpFacts {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as Record<string, unknown>;
  const codes = errorCodes(e);
  const rawResponse = typeof e.response === 'string' ? e.response : '';
  const parsed = parseReply(rawResponse);
  const replyCode = parsed.code || (typeof e.responseCode === 'number' ? e.responseCode : 0);
  let reply = parsed.code ? parsed.line : '';
  if (!reply && replyCode) reply = String(replyCode);
  let message = typeof e.message === 'string' ? e.message : String(error);
  // nodemailer appends ": <response>" to its message; the reply is reported on its own
  if (rawResponse && message.endsWith(': ' + rawResponse)) message = message.slice(0, -(rawResponse.length + 2));
  return {
    codes,
    reply,
    replyCode,
    enhanced: parsed.enhanced,
    text: parsed.code ? parsed.text : tidyMessage(message),
    command: typeof e.command === 'string' ? e.command : '',
  };
}

/** Drops nodemailer's and OpenSSL's noise: "…:SSL routines:ssl3_get_record:wrong version number:…" → "wrong version number". */
function tidyMessage(message: string): string {
  const ssl = /SSL routines:[^:]*:([^:]+):/.exec(message);
  return (ssl ? ssl[1]! : message.replace(/^Error initiating TLS - /, '')).trim();
}

/** Splits an SMTP reply (possibly multi-line, "550-5.1.1 …\n550 5.1.1 …") into code, enhanced code and text. */
export function parseReply(response: string): { code: number; enhanced: string; text: string; line: string } {
  const lines = response
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const first = /^([2-5]\d\d)(?:[ -]|$)/.exec(lines[0] ?? '');
  if (!first) return { code: 0, enhanced: '', text: response.trim(), line: '' };
  const code = Number(first[1]);
  const enhancedMatch = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(lines[0]!);
  const enhanced = enhancedMatch ? enhancedMatch[1]! : '';
  const texts = lines.map((l) =>
    l
      .replace(/^\d{3}[ -]?/, '')
      .replace(/^[245]\.\d{1,3}\.\d{1,3}\s*/, '')
      .trim(),
  );
  const text = texts.filter(Boolean).join(' ');
  return { code, enhanced, text, line: [String(code), enhanced, text].filter(Boolean).join(' ') };
}

/** nodemailer puts its own code first and keeps the system's in originalCode: prefer the system's. */
export function mostSpecificCode(codes: string[]): string | undefined {
  const generic = ['ESOCKET', 'ECONNECTION', 'ETLS', 'EDNS'];
  return codes.find((c) => !generic.includes(c)) ?? codes[0];
}
