/** What every transport (outbox, SMTP, Gmail, Microsoft) offers the send loop. */
export interface Transport {
  /** Connects and authenticates; sends nothing. */
  verify(): Promise<AccountInfo>;
  send(message: OutgoingMessage): Promise<Accepted>;
  close(): Promise<void>;
  /**
   * Whether the account already sent a message with this Message-ID (looked up in Sent), for settling a
   * recipient left in doubt by a crash. Only providers that allow the lookup, and accounts linked with it.
   */
  findSent?(messageId: string): Promise<boolean>;
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
}

export interface AccountInfo {
  /** Lines describing what was found, e.g. "greeting: mx.example.com ESMTP". */
  facts: Record<string, string>;
}

export type DeliveryErrorKind = 'transient' | 'throttled' | 'quota' | 'permanent' | 'auth' | 'config';

export class DeliveryError extends Error {
  constructor(
    readonly kind: DeliveryErrorKind,
    message: string,
    readonly details: { code?: string; retryAt?: Date } = {},
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
