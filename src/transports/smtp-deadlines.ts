import type { Socket } from 'node:net';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';

/**
 * How long each step of an SMTP session may take, in ms. nodemailer bounds connecting and the greeting
 * (and the TLS upgrade) itself, and otherwise only idleness: a server that sends one byte every few seconds
 * never looks idle. So every reply is timed here from the command that asked for it to its last line.
 * The envelope, DATA and end-of-DATA times are RFC 5321's (4.5.3.2); the others are ours.
 */
export interface SmtpDeadlines {
  connect: number;
  greeting: number;
  /** EHLO, STARTTLS, AUTH and each of its steps, RSET, QUIT. */
  command: number;
  /** MAIL FROM and each RCPT TO. */
  envelope: number;
  /** DATA, until the 354. */
  data: number;
  /** From the end of the message to the server's final reply. */
  endOfData: number;
  /** No byte at all for this long ends the connection. */
  idle: number;
}

export const smtpDeadlines: SmtpDeadlines = {
  connect: 30_000,
  greeting: 30_000,
  command: 60_000,
  envelope: 300_000,
  data: 120_000,
  endOfData: 600_000,
  idle: 60_000,
};

type LogFunction = (entry: { tnx?: string } | undefined, message?: unknown, ...args: unknown[]) => void;
export interface SmtpLogger {
  debug: LogFunction;
  info: LogFunction;
  trace: LogFunction;
  warn: LogFunction;
  error: LogFunction;
  fatal: LogFunction;
}

const ignore: LogFunction = () => undefined;
const commandVerb = /^(EHLO|HELO|LHLO|STARTTLS|AUTH|MAIL|RCPT|DATA|RSET|QUIT|NOOP)\b/i;

/**
 * Times the replies of one connection through nodemailer's transaction log (the lines it sends and the
 * whole replies it reads); a reply late past its deadline ends the connection with an ETIMEDOUT error
 * naming the command, which fails whatever was waiting for it. Pipelined commands wait in order.
 */
export class ReplyWatch {
  private readonly pending: { what: string; ms: number }[] = [];
  private timer?: NodeJS.Timeout;
  private connection?: SMTPConnection;

  constructor(
    private readonly deadlines: SmtpDeadlines,
    private readonly next?: SmtpLogger,
  ) {}

  /** The logger to give the connection (`logger` with `transactionLog: true`). */
  readonly logger: SmtpLogger = {
    debug: (entry, message, ...args) => {
      if (entry?.tnx === 'client') this.asked(String(message ?? ''));
      if (entry?.tnx === 'server') this.answered();
      this.next?.debug(entry, message, ...args);
    },
    info: (entry, message, ...args) => {
      // nodemailer logs the end of the message body once it has all been written, final dot included
      if (entry?.tnx === 'message' && /bytes encoded mime message/.test(String(message)))
        this.expect('the end of the message', this.deadlines.endOfData);
      this.next?.info(entry, message, ...args);
    },
    trace: ignore,
    warn: (...args) => this.next?.warn(...args),
    error: (...args) => this.next?.error(...args),
    fatal: ignore,
  };

  attach(connection: SMTPConnection): SMTPConnection {
    this.connection = connection;
    connection.once('end', () => this.stop());
    return connection;
  }

  private asked(line: string): void {
    // Lines that are not commands answer the server's 334 challenges during AUTH.
    const verb = (commandVerb.exec(line)?.[1] ?? 'AUTH').toUpperCase();
    const ms =
      verb === 'MAIL' || verb === 'RCPT' ? this.deadlines.envelope : verb === 'DATA' ? this.deadlines.data : this.deadlines.command;
    this.expect(verb, ms);
  }

  private expect(what: string, ms: number): void {
    this.pending.push({ what, ms });
    if (!this.timer) this.arm();
  }

  private answered(): void {
    // A reply nobody asked for (the greeting, a 421 before closing) times nothing.
    if (!this.pending.length) return;
    this.pending.shift();
    this.stopTimer();
    if (this.pending.length) this.arm();
  }

  private arm(): void {
    const { what, ms } = this.pending[0]!;
    this.timer = setTimeout(() => this.expire(what, ms), ms);
  }

  private expire(what: string, ms: number): void {
    this.timer = undefined;
    const seconds = ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
    const error = Object.assign(new Error(`the server did not complete its reply to ${what} within ${seconds}`), { code: 'ETIMEDOUT' });
    // The socket's own error path fails the command in progress and closes the connection.
    const socket = (this.connection as unknown as { _socket?: Socket | false | null } | undefined)?._socket;
    if (socket) socket.destroy(error);
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private stop(): void {
    this.pending.length = 0;
    this.stopTimer();
  }
}
