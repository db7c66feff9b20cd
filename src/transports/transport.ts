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
  messageId: string;
  /** The complete RFC 5322 message. */
  raw: Buffer;
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
    /** `handedOver`: the server had the message when the connection failed without a reply (transports/hand-over.ts). */
    readonly details: { code?: string; retryAt?: Date; handedOver?: boolean } = {},
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
