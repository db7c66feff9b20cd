import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { classifySmtpError } from './classify.js';
import { protocolLogActive, smtpLogger } from '../system/protocol-log.js';
import { lostAfterHandOver } from './hand-over.js';
import { SmtpLanes } from './smtp-lanes.js';
import { envelopeRecipients, type Accepted, type AccountInfo, type OutgoingMessage, type Transport } from './transport.js';

/** nodemailer's own default: some servers want fewer per connection (`--per-connection`). */
const defaultPerConnection = 100;

export type SmtpSecurity = 'tls' | 'starttls' | 'none';

/** Where and how to connect and sign in. */
export interface SmtpSettings {
  /** The account name, for advice in messages. */
  name: string;
  host: string;
  port: number;
  security: SmtpSecurity;
  user?: string;
  /** Accept a certificate that does not verify (self-signed). */
  insecureTls?: boolean;
}

/**
 * How many connections are open at most (the send loop's concurrency never asks for more at once), and how
 * many messages each carries before it is replaced.
 */
export interface SmtpPoolSize {
  maxConnections: number;
  perConnection?: number;
}

const timeouts = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 };

/**
 * Sends over reused SMTP connections (smtp-lanes.ts), as many at once as the send loop sends, each replaced
 * after `perConnection` messages. Nothing is re-queued here: the send loop decides on retries, and a message
 * lost after it was handed over is reported as such (in doubt), never silently sent twice.
 */
export class SmtpTransport implements Transport {
  private readonly lanes: SmtpLanes;

  constructor(
    private readonly account: SmtpSettings,
    private readonly password: string | undefined,
    pool: SmtpPoolSize,
  ) {
    const auth = account.user ? { user: account.user, pass: password ?? '' } : undefined;
    this.lanes = new SmtpLanes(this.connectionOptions(), auth, pool.perConnection ?? defaultPerConnection);
  }

  /** Connects, negotiates TLS, signs in and quits: no message is sent. */
  verify(): Promise<AccountInfo> {
    const greeting = greetingRecorder();
    const connection = new SMTPConnection({
      ...this.connectionOptions(),
      logger: greeting.logger(this.account.name),
      transactionLog: true,
    });
    const facts: Record<string, string> = { server: `${this.account.host}:${this.account.port}` };
    return new Promise<AccountInfo>((resolve, reject) => {
      const fail = (error: unknown) => {
        connection.close();
        reject(this.classify(error));
      };
      connection.once('error', fail);
      connection.connect(() => {
        facts.greeting = greeting.line;
        facts.encrypted = connection.secure ? 'yes' : 'no';
        const done = () => {
          connection.quit();
          resolve({ facts });
        };
        if (!this.account.user) {
          facts.authentication = 'none configured';
          return done();
        }
        connection.login({ user: this.account.user, pass: this.password ?? '' }, (error) => {
          if (error) return fail(error);
          facts.authentication = `accepted for ${this.account.user}`;
          done();
        });
      });
    });
  }

  async send(message: OutgoingMessage): Promise<Accepted> {
    const result = await this.lanes.send({ from: message.from, to: envelopeRecipients(message) }, message.raw);
    if (result.ok) return this.settleEach(message, result);
    const failure = this.classify(result.error);
    // A reply after the body (250 lost, 451, 550 …) is the server's word; no reply at all leaves it in doubt.
    throw result.handedOver && !failure.details.replied ? lostAfterHandOver(failure) : failure;
  }

  /**
   * Each envelope recipient on its own: the server may refuse a copy and take the recipient (the copy is
   * reported refused), or refuse the recipient and take copies (a refusal for the recipient; the copies
   * that have the message are not sent it again).
   */
  private settleEach(message: OutgoingMessage, result: { response: string; accepted: string[]; rejectedErrors: unknown[] }): Accepted {
    const refusals = result.rejectedErrors as { recipient?: string; response?: string; message?: string }[];
    const refused = refusals.find((error) => error.recipient === message.to);
    if (refused) {
      const failure = this.classify(refused);
      failure.details.acceptedCopies = result.accepted.filter((address) => address !== message.to);
      throw failure;
    }
    const rejected = refusals.map((error) => ({ address: error.recipient ?? '', reply: error.response ?? error.message ?? '' }));
    return { response: result.response, accepted: result.accepted, rejected };
  }

  async close(): Promise<void> {
    this.lanes.close();
  }

  private classify(error: unknown) {
    return classifySmtpError(error, { account: this.account.name, host: this.account.host, port: this.account.port });
  }

  private connectionOptions() {
    const { host, port, security, user, insecureTls } = this.account;
    return {
      host,
      port,
      secure: security === 'tls',
      requireTLS: security === 'starttls',
      ignoreTLS: security === 'none',
      auth: user ? { user, pass: this.password ?? '' } : undefined,
      tls: { rejectUnauthorized: !insecureTls },
      ...timeouts,
      ...(protocolLogActive() ? { logger: smtpLogger(`smtp ${this.account.name}`), debug: true } : {}),
    };
  }
}

/**
 * Keeps the server's first line (its 220 greeting): nodemailer exposes only the latest reply, which
 * by the time `connect()` calls back is the EHLO answer. The transaction log carries client lines too
 * (AUTH among them); only server lines are looked at, and only the first is kept.
 */
function greetingRecorder() {
  let line = '';
  const ignore = () => undefined;
  const logger = (name: string) => {
    const debugLog = protocolLogActive() ? smtpLogger(`smtp ${name}`) : undefined;
    return {
      debug: (entry: { tnx?: string } | undefined, message?: unknown, ...args: unknown[]) => {
        if (!line && entry?.tnx === 'server') line = String(message ?? '').split('\n')[0]!;
        debugLog?.debug(entry, message, ...args);
      },
      trace: ignore,
      info: debugLog?.info ?? ignore,
      warn: ignore,
      error: ignore,
      fatal: ignore,
    };
  };
  return {
    logger,
    get line() {
      return line;
    },
  };
}
