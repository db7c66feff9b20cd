import nodemailer from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { classifySmtpError } from './classify.js';
import { protocolLogActive, smtpLogger } from '../system/protocol-log.js';
import { poolMail } from './smtp-raw.js';
import type { Accepted, AccountInfo, OutgoingMessage, Transport } from './transport.js';

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

/** How many connections the pool keeps open at most, and how many messages each carries before it is replaced. */
export interface SmtpPoolSize {
  maxConnections: number;
  perConnection?: number;
}

const timeouts = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 };

/**
 * Sends through a pool of SMTP connections: at most `maxConcurrent` open at once, each replaced after
 * `perConnection` messages. The pool never re-queues a message by itself (`maxRequeues: 0`): the
 * send loop decides on retries, so a message the server may already hold is not silently sent twice.
 */
export class SmtpTransport implements Transport {
  private readonly pool;

  constructor(
    private readonly account: SmtpSettings,
    private readonly password: string | undefined,
    pool: SmtpPoolSize,
  ) {
    this.pool = nodemailer.createTransport({
      pool: true,
      ...this.connectionOptions(),
      maxConnections: pool.maxConnections,
      maxMessages: pool.perConnection ?? defaultPerConnection,
      maxRequeues: 0,
    });
  }

  /** Connects, negotiates TLS, signs in and quits: no message is sent. */
  verify(): Promise<AccountInfo> {
    const greeting = greetingRecorder();
    const connection = new SMTPConnection({ ...this.connectionOptions(), logger: greeting.logger(this.account.name), transactionLog: true });
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
    try {
      const info = await new Promise<{ response: string; rejectedErrors?: unknown[] }>((resolve, reject) => {
        this.pool.transporter.send(poolMail(message) as never, (error, sent) => (error ? reject(error) : resolve(sent as { response: string })));
      });
      // With copies, the server may refuse the recipient and take a copy: for the recipient that is a refusal.
      const refused = info.rejectedErrors?.find((error) => (error as { recipient?: string }).recipient === message.to);
      if (refused) throw refused;
      return { response: info.response };
    } catch (error) {
      throw this.classify(error);
    }
  }

  async close(): Promise<void> {
    this.pool.close();
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
