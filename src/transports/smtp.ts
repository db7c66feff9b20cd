import nodemailer from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SmtpAccount } from '../accounts/account.js';
import { classifySmtpError } from './classify.js';
import type { Accepted, AccountInfo, OutgoingMessage, Transport } from './transport.js';

export const smtpDefaults = { maxConcurrent: 4, perConnection: 100 };

const timeouts = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 };

/**
 * Sends through a pool of SMTP connections: at most `maxConcurrent` open at once, each replaced after
 * `perConnection` messages. The pool never re-queues a message by itself (`maxRequeues: 0`): the
 * send loop decides on retries, so a message the server may already hold is not silently sent twice.
 */
export class SmtpTransport implements Transport {
  private readonly pool;

  constructor(
    private readonly account: SmtpAccount,
    private readonly password: string | undefined,
  ) {
    this.pool = nodemailer.createTransport({
      pool: true,
      ...this.connectionOptions(),
      maxConnections: account.limits.maxConcurrent ?? smtpDefaults.maxConcurrent,
      maxMessages: account.limits.perConnection ?? smtpDefaults.perConnection,
      maxRequeues: 0,
    });
  }

  /** Connects, negotiates TLS, signs in and quits: no message is sent. */
  verify(): Promise<AccountInfo> {
    const connection = new SMTPConnection(this.connectionOptions());
    const facts: Record<string, string> = { server: `${this.account.host}:${this.account.port}` };
    return new Promise<AccountInfo>((resolve, reject) => {
      const fail = (error: unknown) => {
        connection.close();
        reject(this.classify(error));
      };
      connection.once('error', fail);
      connection.connect(() => {
        facts.greeting = String(connection.lastServerResponse || '').split('\n')[0];
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
      const info = await this.pool.sendMail({ envelope: { from: message.from, to: [message.to] }, raw: message.raw });
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
    };
  }
}
