import { httpSendFailure } from './hand-over.js';
import { DeliveryError, type DeliveryErrorKind, type DeliveryErrorDetails } from './transport.js';

interface SesContext {
  account: string;
  region: string;
  /** The failed call was a SendEmail (a lost answer leaves the message in doubt). */
  sending: boolean;
}

/** What the AWS SDK's errors carry: the exception's name, SES's message, the HTTP status when SES answered. */
interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** SES's exceptions (and the SDK's for credentials) → the kinds every transport's failures come in. */
const kinds: Record<string, { kind: DeliveryErrorKind; advice: (c: SesContext) => string; limit?: 'rate' }> = {
  TooManyRequestsException: { kind: 'throttled', limit: 'rate', advice: () => 'slowing down' },
  LimitExceededException: {
    kind: 'quota',
    advice: (c) =>
      `the SES account's 24-hour quota is used up; \`mailshot campaign resume\` continues, \`mailshot accounts test ${c.account}\` shows what is left`,
  },
  MessageRejected: { kind: 'permanent', advice: () => 'SES refused this message' },
  SendingPausedException: {
    kind: 'config',
    advice: () => 'sending is paused for this SES account: read why in the SES console (Account dashboard), then resume sending there',
  },
  AccountSendingPausedException: {
    kind: 'config',
    advice: () => 'sending is paused for this SES account: read why in the SES console (Account dashboard), then resume sending there',
  },
  AccountSuspendedException: { kind: 'config', advice: () => 'the SES account is suspended: see the SES console and AWS Support' },
  MailFromDomainNotVerifiedException: {
    kind: 'config',
    advice: () => 'verify the From domain (or its MAIL FROM domain) in the SES console',
  },
  NotFoundException: { kind: 'config', advice: () => 'SES does not know a resource this message names (the From identity?)' },
  BadRequestException: { kind: 'permanent', advice: () => 'SES refused this request as malformed' },
  CredentialsProviderError: {
    kind: 'auth',
    advice: () => 'no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (mailshot stores none)',
  },
  UnrecognizedClientException: { kind: 'auth', advice: () => 'AWS does not know these credentials: check AWS_PROFILE or the access key' },
  InvalidSignatureException: { kind: 'auth', advice: () => 'AWS refused the signature: check the secret access key' },
  AccessDeniedException: {
    kind: 'auth',
    advice: () => 'these AWS credentials may not use SES here: allow ses:SendEmail and ses:GetAccount',
  },
};

/** An SES (or SDK) failure as a classified DeliveryError, worded for the person running the send. */
export function sesFailure(error: unknown, context: SesContext): unknown {
  if (!error || typeof error !== 'object') return error;
  const { name = 'Error', message = '', code, $metadata } = error as SdkError;
  const status = $metadata?.httpStatusCode;
  const daily = /daily message quota/i.test(message);
  const known = kinds[daily ? 'LimitExceededException' : name];
  const where = `Amazon SES (${context.region}) for account "${context.account}"`;
  if (known) {
    const details: DeliveryErrorDetails = { code: `${status ?? ''} ${name}`.trim(), replied: status !== undefined };
    if (known.limit) details.limit = known.limit;
    return new DeliveryError(known.kind, `${where}: ${name}: ${message} — ${known.advice(context)}`, details);
  }
  if (status !== undefined) {
    const kind: DeliveryErrorKind = status >= 500 ? 'transient' : status === 403 || status === 401 ? 'auth' : 'permanent';
    return new DeliveryError(kind, `${where} answered ${status} ${name}: ${message}`, { code: `${status} ${name}`, replied: true });
  }
  // No answer: the connection failed, or timed out after the request went out.
  const failure = new DeliveryError('transient', `cannot reach ${where} (${code ?? name}: ${message})`, code ? { code } : {});
  return context.sending ? httpSendFailure(failure, code) : failure;
}
