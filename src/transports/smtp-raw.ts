import { Readable } from 'node:stream';
import { envelopeRecipients, type OutgoingMessage } from './transport.js';

/**
 * A composed message as nodemailer's SMTP pool takes it from its own mailer (`mail.message` is a
 * MIME node there): the pool asks for the envelope, the Message-ID and a stream of the bytes. Handing
 * it this directly skips `sendMail`, which would wrap the finished message in a new MIME node and
 * stream it through a second pass — the message is composed once, by mailshot.
 */
export interface PoolMail {
  data: Record<string, never>;
  message: {
    getEnvelope(): { from: string; to: string[] };
    messageId(): string;
    getHeader(name: string): string | undefined;
    createReadStream(): Readable;
  };
}

export function poolMail(message: OutgoingMessage): PoolMail {
  return {
    data: {},
    message: {
      getEnvelope: () => ({ from: message.from, to: envelopeRecipients(message) }),
      messageId: () => message.messageId,
      getHeader: (name) => (name.toLowerCase() === 'message-id' ? message.messageId : undefined),
      createReadStream: () =>
        new Readable({
          read() {
            this.push(message.raw);
            this.push(null);
          },
        }),
    },
  };
}
