import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { classifySmtpError } from './classify.js';
import { protocolLogActive, smtpLogger } from '../system/protocol-log.js';
import { credentialRedactor, redactError, type Redact } from '../system/redact.js';
import { lostAfterHandOver } from './hand-over.js';
import { ReplyWatch, smtpDeadlines, type SmtpDeadlines, type SmtpLogger } from './smtp-deadlines.js';
import { quitAndWait, SmtpLanes } from './smtp-lanes.js';
import { dkimSigned, type DkimKey } from './dkim-sign.js';
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

/**
 * Sends over reused SMTP connections (smtp-lanes.ts), as many at once as the send loop sends, each replaced
 * after `perConnection` messages. Nothing is re-queued here: the send loop decides on retries, and a message
 * lost after it was handed over is reported as such (in doubt), never silently sent twice.
 */
export class SmtpTransport implements Transport {
  private readonly lanes: SmtpLanes;
  /** Hides this account's password from whatever the server says (some servers echo the AUTH command). */
  private readonly redact: Redact;

  constructor(
    private readonly account: SmtpSettings,
    private readonly password: string | undefined,
    pool: SmtpPoolSize,
    /** The account's own DKIM key, when mailshot signs (its relay does not). */
    private readonly dkim?: DkimKey,
    private readonly deadlines: SmtpDeadlines = smtpDeadlines,
  ) {
    this.redact = credentialRedactor({ user: account.user, password });
    const auth = account.user ? { user: account.user, pass: password ?? '' } : undefined;
    this.lanes = new SmtpLanes(() => this.newConnection(), auth, pool.perConnection ?? defaultPerConnection);
  }

  /**
   * Connects, negotiates TLS, signs in and quits (or, `keepOpen`, keeps the connection for the first message): no
   * message is sent. Aborting closes the connection.
   */
  verify(signal?: AbortSignal, keepOpen = false): Promise<AccountInfo> {
    const greeting = greetingRecorder(this.debugLogger());
    const connection = this.newConnection(greeting.logger);
    const facts: Record<string, string> = { server: `${this.account.host}:${this.account.port}` };
    return new Promise<AccountInfo>((resolve, reject) => {
      const fail = (error: unknown) => {
        signal?.removeEventListener('abort', abort);
        connection.close();
        reject(this.classify(error));
      };
      const abort = () => fail(Object.assign(new Error('stopped while signing in'), { code: 'EABORT' }));
      signal?.addEventListener('abort', abort, { once: true });
      connection.once('error', fail);
      connection.connect(() => {
        facts.greeting = this.redact(greeting.line);
        facts.encrypted = connection.secure ? 'yes' : 'no';
        // Resolved once the server has seen the connection end: a slot taken for it may go to another process.
        const done = () => {
          signal?.removeEventListener('abort', abort);
          if (!keepOpen) return void quitAndWait(connection).then(() => resolve({ facts }));
          connection.off('error', fail);
          this.lanes.adopt(connection);
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
    const raw = this.dkim ? await dkimSigned(message.raw, this.dkim) : message.raw;
    const result = await this.lanes.send({ from: message.from, to: envelopeRecipients(message) }, raw);
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
    const rejected = refusals.map((error) => ({
      address: error.recipient ?? '',
      reply: this.redact(error.response ?? error.message ?? ''),
    }));
    return { response: this.redact(result.response), accepted: result.accepted, rejected };
  }

  async close(): Promise<void> {
    this.lanes.close();
  }

  closeIdle(): Promise<void> {
    return this.lanes.closeIdle();
  }

  /**
   * The reply decides the kind as the server wrote it; the error that goes on (to messages, the journal,
   * reports) holds its words redacted.
   */
  private classify(error: unknown) {
    const context = { account: this.account.name, host: this.account.host, port: this.account.port };
    return redactError(classifySmtpError(error, context), this.redact);
  }

  /** A connection whose every reply is timed (smtp-deadlines.ts); `logger` sees its transaction log too. */
  private newConnection(logger: SmtpLogger | undefined = this.debugLogger()): SMTPConnection {
    const { host, port, security, insecureTls } = this.account;
    const watch = new ReplyWatch(this.deadlines, logger);
    const connection = new SMTPConnection({
      host,
      port,
      secure: security === 'tls',
      requireTLS: security === 'starttls',
      ignoreTLS: security === 'none',
      tls: { rejectUnauthorized: !insecureTls },
      connectionTimeout: this.deadlines.connect,
      greetingTimeout: this.deadlines.greeting,
      socketTimeout: this.deadlines.idle,
      logger: watch.logger,
      transactionLog: true,
      debug: protocolLogActive(),
    });
    return watch.attach(connection);
  }

  private debugLogger(): SmtpLogger | undefined {
    return protocolLogActive() ? smtpLogger(`smtp ${this.account.name}`, this.redact) : undefined;
  }
}

/**
 * Keeps the server's first line (its 220 greeting): nodemailer exposes only the latest reply, which
 * by the time `connect()` calls back is the EHLO answer. The transaction log carries client lines too
 * (AUTH among them); only server lines are looked at, and only the first is kept.
 */
function greetingRecorder(next: SmtpLogger | undefined) {
  let line = '';
  const ignore = () => undefined;
  const logger: SmtpLogger = {
    debug: (entry, message, ...args) => {
      if (!line && entry?.tnx === 'server') line = String(message ?? '').split('\n')[0]!;
      next?.debug(entry, message, ...args);
    },
    trace: ignore,
    info: next?.info ?? ignore,
    warn: next?.warn ?? ignore,
    error: next?.error ?? ignore,
    fatal: ignore,
  };
  return {
    logger,
    get line() {
      return line;
    },
  };
}
