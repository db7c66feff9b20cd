/**
 * The error codes a failed connection carries, and what they say: where along `error.cause` to find them, which
 * mean the server could not be reached at all, which mean its certificate was refused, and which mean no request
 * can have reached it. One place for every transport (SMTP through nodemailer, HTTP through fetch or gaxios, the
 * AWS SDK).
 */

/** A certificate the TLS handshake refused: a wrong or untrusted server, a setting to fix. */
export const certificateCodes: readonly string[] = [
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
];

/** The server could not be reached at all: refused, unknown host, no route. A wrong setting on the first connect, network loss later. */
export const unreachableCodes: readonly string[] = ['ECONNREFUSED', 'ENOTFOUND', 'EDNS', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'];

/**
 * No connection was made (or TLS refused the server before a byte of the request went), so no request can have
 * reached the server. Any other failure of a send without an answer may have come after the server had the message.
 */
export const neverConnectedCodes: readonly string[] = [...unreachableCodes, 'ENETDOWN', 'UND_ERR_CONNECT_TIMEOUT', ...certificateCodes];

/** How far along `error.cause` to look (a cause that names itself must not loop). */
const maxCauseDepth = 5;

type CodedError = { code?: unknown; originalCode?: unknown; cause?: unknown };

/** The error and its causes (`error.cause`, its cause …), outermost first. */
function causeChain(error: unknown): CodedError[] {
  const chain: CodedError[] = [];
  for (
    let current = error;
    current && typeof current === 'object' && chain.length < maxCauseDepth;
    current = (current as CodedError).cause
  ) {
    chain.push(current as CodedError);
  }
  return chain;
}

const isText = (code: unknown): code is string => typeof code === 'string';

/**
 * Every code along the cause chain, outermost first: each error's `code`, then nodemailer's `originalCode`
 * (it puts its own code first and keeps the system's there).
 */
export function errorCodes(error: unknown): string[] {
  return [...new Set(causeChain(error).flatMap((fields) => [fields.code, fields.originalCode].filter(isText)))];
}

/** The first system error code (ECONNREFUSED, ENOTFOUND, ECONNRESET …) along the cause chain. */
export function systemCode(error: unknown): string | undefined {
  return causeChain(error)
    .map((fields) => fields.code)
    .find((code) => isText(code) && /^E[A-Z]/.test(code)) as string | undefined;
}
