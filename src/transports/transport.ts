/** What every transport (outbox, SMTP, Gmail, Microsoft) offers the send loop. */
export interface Transport {
  /**
   * Connects and authenticates; sends nothing. An abort ends it at once (SMTP closes its connection). With
   * `keepOpen` (a run about to send) the connection stays open for the first message, where the transport keeps
   * connections (SMTP); `closeIdle` closes it when no message takes it.
   */
  verify(signal?: AbortSignal, keepOpen?: boolean): Promise<AccountInfo>;
  send(message: OutgoingMessage): Promise<Accepted>;
  close(): Promise<void>;
  /**
   * Closes the connections no message is using now, and resolves once they are closed (a transport that
   * keeps connections open between messages: the account's slots count them, throttle/slots.ts).
   */
  closeIdle?(): Promise<void>;
  /**
   * Whether the account already sent a message with this Message-ID (looked up in Sent), for settling a
   * recipient left in doubt by a crash. Only providers that allow the lookup, and accounts linked with it.
   */
  findSent?(messageId: string): Promise<boolean>;
}

/**
 * An OAuth access token for a transport: the current one, or a new one after the provider rejected
 * `rejected` (a 401). Implemented in auth/; a failure to get one is thrown as the provider answered it.
 */
export interface TokenSource {
  current(): Promise<string>;
  renew(rejected: string): Promise<string>;
}

export interface OutgoingMessage {
  /** Envelope sender and recipient (bare addresses). */
  from: string;
  to: string;
  /** Copies to more recipients (bare addresses, domains in ASCII): Cc is in the headers, Bcc only here. */
  cc: string[];
  bcc: string[];
  messageId: string;
  /** The complete RFC 5322 message, without a Bcc header. */
  raw: Buffer;
}

/** Every address the message goes to: the recipient and the copies. Providers count each against the daily limit. */
export function envelopeRecipients(message: OutgoingMessage): string[] {
  return [message.to, ...message.cc, ...message.bcc];
}

/**
 * The message for an API that takes its recipients from the headers (Gmail's messages.send, Graph's
 * MIME sendMail): with a Bcc header, which the provider removes from the copies it delivers.
 */
export function rawWithBccHeader(message: OutgoingMessage): Buffer {
  if (!message.bcc.length) return message.raw;
  return Buffer.concat([Buffer.from(`Bcc: ${message.bcc.join(',\r\n ')}\r\n`, 'latin1'), message.raw]);
}

export interface Accepted {
  /** The server's reply, or the provider's message id. */
  response: string;
  /** Envelope recipients the server accepted (over SMTP, per RCPT TO; an API takes them all at once). */
  accepted: string[];
  /** Envelope recipients the server refused at RCPT TO, with its reply (SMTP only). */
  rejected: RefusedRecipient[];
}

export interface RefusedRecipient {
  address: string;
  reply: string;
}

/** An API that takes one message for all its recipients: they are all accepted, or none. */
export function acceptedByApi(message: OutgoingMessage, response: string): Accepted {
  return { response, accepted: envelopeRecipients(message), rejected: [] };
}

/** The largest message the account's service takes, and its name for messages ("Gmail"). */
export interface SizeLimit {
  bytes: number;
  label: string;
}

export interface AccountInfo {
  /** Lines describing what was found, e.g. "greeting: mx.example.com ESMTP". */
  facts: Record<string, string>;
}

export type DeliveryErrorKind = 'transient' | 'throttled' | 'quota' | 'permanent' | 'auth' | 'config';

/**
 * Everything the send loop needs to know about a failure, decided where the reply was read (in transports/):
 * nothing downstream looks at the reply text again.
 */
export interface DeliveryErrorDetails {
  /** The reply code and enhanced status ("550 5.1.1"), "<status> <reason>" for HTTP, or the system's code (ECONNREFUSED). */
  code?: string;
  /** The server said when to try again. */
  retryAt?: Date;
  /** The server answered (an SMTP reply, an HTTP response): false or absent for a connection that failed or dropped. */
  replied?: boolean;
  /** The server could not be reached at all (refused, unknown host, no route): a wrong setting on the first connect, network loss later. */
  unreachable?: boolean;
  /** A throttling reply names the limit it is about: the number of connections (concurrent requests) or the message rate. */
  limit?: ThrottledLimit;
  /** A temporary refusal of this recipient only (greylisting, a full mailbox): it waits and is tried again; no limit moves. */
  recipientOnly?: boolean;
  /** The server had the message when the connection failed without a reply: in doubt (transports/hand-over.ts). */
  handedOver?: boolean;
  /** Copies the server took in the transaction that refused the recipient: they have the message. */
  acceptedCopies?: string[];
}

export type ThrottledLimit = 'connections' | 'rate';

export class DeliveryError extends Error {
  constructor(
    readonly kind: DeliveryErrorKind,
    message: string,
    readonly details: DeliveryErrorDetails = {},
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
