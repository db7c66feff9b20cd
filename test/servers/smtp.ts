/**
 * A real SMTP server in the test process (the `smtp-server` package), with the behaviour of the
 * servers mailshot meets in the wild: AUTH PLAIN/LOGIN, STARTTLS or implicit TLS on a self-signed
 * certificate made at test time, a connection cap that answers like Postfix's anvil, a message rate
 * and a daily cap, and a hook that injects any reply (or drops the connection) at MAIL FROM,
 * RCPT TO or DATA. Everything the server accepted is recorded, with its Message-ID.
 *
 *   const smtp = await startSmtpServer({ auth: { user: 'u', pass: 'p' }, maxConnections: 2 });
 *   … send to smtp.host:smtp.port …
 *   expect(smtp.received.map((m) => m.to[0])).toEqual([...]);
 *   expect(smtp.peakConnections).toBeLessThanOrEqual(2);
 *   await smtp.close();
 *
 * Timing: smtp-server waits a fixed 100 ms before its greeting (to catch clients that talk too soon);
 * no option turns that off in 3.x, so every new connection costs ~100 ms. Reverse DNS of the client is
 * turned off here (it could add up to 1.5 s).
 */
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession, type SMTPServerDataStream } from 'smtp-server';
import { testCertificate } from './certificate.js';

export type ReplyStage = 'mail' | 'rcpt' | 'data';

/** What a reply hook is told about the session. */
export interface SessionInfo {
  /** smtp-server's session id (one per connection). */
  id: string;
  remoteAddress: string;
  remotePort: number;
  /** TLS is on (implicit TLS, or after STARTTLS). */
  secure: boolean;
  /** The authenticated user, if any. */
  user?: string;
  /** MAIL FROM of this transaction ('' before it). */
  from: string;
  /** RCPT TO accepted so far in this transaction. */
  to: string[];
  /** 1 for the first transaction on this connection, 2 for the next … */
  transaction: number;
  /** Messages accepted on this connection before this transaction. */
  acceptedOnConnection: number;
}

/**
 * `{ code, message }` replies with that code; put the enhanced status in the message, as real servers
 * do: `{ code: 550, message: '5.1.1 User unknown' }` → `550 5.1.1 User unknown`. A 421 closes the
 * connection after the reply. At the `data` stage the reply is given after the whole message was
 * received (as a real server answers the final "."). `'drop'` destroys the connection: at once at
 * `mail`/`rcpt`, after the first chunk of the message at `data` (the client is mid-DATA and never
 * sees an answer). `'store-then-drop'` (at `data`) reads and accepts the whole message, records it, and
 * cuts the connection instead of answering 250: the reply is lost. `undefined` lets the server go on normally.
 */
export type InjectedReply = { code: number; message: string } | 'drop' | 'store-then-drop' | undefined;
export type ReplyHook = (stage: ReplyStage, session: SessionInfo, recipient?: string) => InjectedReply | Promise<InjectedReply>;

export interface SmtpServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Host name in the greeting and replies; default `mx.test`. */
  name?: string;
  /**
   * `none` (plain, STARTTLS not offered, AUTH allowed without TLS), `starttls` (STARTTLS offered and
   * required before AUTH), `tls` (implicit TLS from the first byte, like port 465). Default `none`.
   * The certificate is self-signed for `localhost`/127.0.0.1/::1: a client must trust
   * `server.certificate` (tls `ca`) or turn verification off.
   */
  security?: 'none' | 'starttls' | 'tls';
  /**
   * Require AUTH PLAIN/LOGIN with these credentials; a wrong password gets `535 5.7.8 Username and Password not accepted.`
   * Read at every AUTH: a test can change `pass` mid-run (the password "changed" on the server).
   */
  auth?: { user: string; pass: string };
  /** AUTH mechanisms offered, in order (a client takes the first it knows); default PLAIN then LOGIN. */
  authMethods?: ('PLAIN' | 'LOGIN')[];
  /** At most K sessions at once; the (K+1)th gets `421 4.7.0 <name> Error: too many connections from <ip>` and is closed. */
  maxConnections?: number;
  /** Injects replies; can be replaced later with `setReply()`. Runs before the limits below. */
  replies?: ReplyHook;
  /** At most `max` MAIL FROM accepted per sliding `windowMs` (counted like Postfix anvil); the excess gets `450 4.7.1 Error: too much mail from <ip>` and the session stays open. */
  rateLimit?: { max: number; windowMs: number };
  /** At most this many messages accepted (plus in flight) over the server's life; then `550 5.4.5 Daily user sending limit exceeded.` at MAIL FROM. */
  dailyLimit?: number;
  /** Reject messages without a Message-ID header with Gmail's `550 5.7.1 Messages missing a valid Message-ID: header are not accepted.` */
  requireMessageId?: boolean;
  /** Wait this long before answering the end of DATA (makes concurrency observable). Default 0. */
  delayMs?: number;
  /** How long `close()` lets open sessions finish before it says 421 and drops them. Default 500 ms. */
  closeTimeout?: number;
  /** Called with each accepted message before the server answers 250 (e.g. to log it where another process can read it). */
  onAccepted?: (message: ReceivedMessage) => void;
}

export interface ReceivedMessage {
  from: string;
  to: string[];
  /** The Message-ID header as written (`<…@…>`), undefined when the message has none. */
  messageId: string | undefined;
  raw: Buffer;
  sessionId: string;
  user?: string;
  secure: boolean;
  at: Date;
}

/** A reply the server gave because of the hook or a limit (not the normal 2xx/3xx ones). */
export interface InjectedEvent {
  stage: ReplyStage | 'connect' | 'auth';
  reply: string;
  recipient?: string;
  sessionId: string;
}

export interface SmtpTestServer {
  readonly host: string;
  readonly port: number;
  /** PEM of the self-signed certificate (trust it with `tls: { ca: certificate }`). */
  readonly certificate: string;
  /** Every message the server accepted, in order. */
  readonly received: ReceivedMessage[];
  /** Every reply injected by the hook or a limit, and every drop, in order. */
  readonly injected: InjectedEvent[];
  /** Sessions open now (accepted ones, not those refused by maxConnections). */
  readonly currentConnections: number;
  /** Most sessions ever open at once (accepted ones). */
  readonly peakConnections: number;
  /** Sessions that reached the server, accepted or refused. */
  readonly connectionsOpened: number;
  /** Sessions refused because of maxConnections. */
  readonly refusedConnections: number;
  /** Failed AUTH attempts. */
  readonly authFailures: number;
  /**
   * The most messages one session had refused (at MAIL, RCPT or DATA) with none taken between: what Postfix's
   * smtpd_soft_error_limit counts, past which it answers the session's every command a second late.
   */
  readonly mostRefusedInARow: number;
  /** Every AUTH attempt: mechanism, user name, accepted or not (never the password). */
  readonly authAttempts: { method: string; user: string; ok: boolean }[];
  /** Replaces the reply hook (undefined: none). */
  setReply(hook: ReplyHook | undefined): void;
  /** Stops listening, lets sessions finish for `closeTimeout`, then drops them. */
  close(): Promise<void>;
}

/** The Message-ID header of a raw message (header folding undone), or undefined. */
export function messageIdOf(raw: Buffer): string | undefined {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const header = (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const match = /^message-id:[ \t]*(.*?)[ \t]*$/im.exec(header);
  return match && match[1] ? match[1] : undefined;
}

interface SessionState {
  acceptedOnConnection: number;
  /** A transaction passed MAIL FROM and has not ended: counts against dailyLimit. */
  inFlight: boolean;
  /** Messages refused since this session last had one taken. */
  refusedInARow: number;
}

class SmtpTestServerImpl implements SmtpTestServer {
  host = '';
  port = 0;
  certificate = '';
  received: ReceivedMessage[] = [];
  injected: InjectedEvent[] = [];
  peakConnections = 0;
  connectionsOpened = 0;
  refusedConnections = 0;
  authFailures = 0;
  mostRefusedInARow = 0;
  authAttempts: { method: string; user: string; ok: boolean }[] = [];
  private readonly sessions = new Map<string, SessionState>();
  private readonly mailTimes: number[] = [];
  private hook: ReplyHook | undefined;
  private server!: SMTPServer;
  private queueCounter = 0;

  constructor(private readonly options: SmtpServerOptions) {
    this.hook = options.replies;
  }

  get currentConnections(): number {
    return this.sessions.size;
  }

  setReply(hook: ReplyHook | undefined): void {
    this.hook = hook;
  }

  async start(): Promise<void> {
    const o = this.options;
    const security = o.security ?? 'none';
    const { key, cert } = await testCertificate();
    this.certificate = cert;
    const disabled: string[] = [];
    if (security === 'none') disabled.push('STARTTLS');
    if (!o.auth) disabled.push('AUTH');
    const serverOptions: SMTPServerOptions = {
      name: o.name ?? 'mx.test',
      secure: security === 'tls',
      key,
      cert,
      logger: false,
      disableReverseLookup: true,
      hideENHANCEDSTATUSCODES: true, // replies carry their enhanced code in the text, as the hook writes it
      authMethods: o.authMethods ?? ['PLAIN', 'LOGIN'],
      authOptional: !o.auth,
      allowInsecureAuth: security === 'none',
      disabledCommands: disabled,
      closeTimeout: o.closeTimeout ?? 500,
      onConnect: (session, callback) => this.onConnect(session, callback),
      onAuth: (auth, session, callback) => {
        const ok = Boolean(o.auth && auth.username === o.auth.user && auth.password === o.auth.pass);
        this.authAttempts.push({ method: auth.method, user: auth.username ?? '', ok });
        if (ok) return callback(null, { user: auth.username });
        this.authFailures++;
        this.injected.push({ stage: 'auth', reply: '535 5.7.8 Username and Password not accepted.', sessionId: session.id });
        callback(replyError(535, '5.7.8 Username and Password not accepted.'));
      },
      onMailFrom: (address, session, callback) => {
        this.onMailFrom(address.address, session).then(() => callback(), callback);
      },
      onRcptTo: (address, session, callback) => {
        this.onRcptTo(address.address, session).then(() => callback(), callback);
      },
      onData: (stream, session, callback) => {
        this.onData(stream, session).then(
          (message) => callback(null, message),
          (error: Error) => callback(error),
        );
      },
      onClose: (session) => {
        this.sessions.delete(session.id);
      },
    };
    this.server = new SMTPServer(serverOptions);
    this.server.on('error', () => {
      // client errors (resets, bad TLS) are part of the tests; the hook and counters tell the story
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.server.once('error', onError);
      this.server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => {
        this.server.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.server.address();
    if (!address || typeof address === 'string') throw new Error('smtp test server: no TCP address');
    this.host = o.host ?? '127.0.0.1';
    this.port = address.port;
  }

  private onConnect(session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    this.connectionsOpened++;
    const max = this.options.maxConnections;
    if (max !== undefined && this.sessions.size >= max) {
      this.refusedConnections++;
      const message = `4.7.0 ${this.options.name ?? 'mx.test'} Error: too many connections from ${session.remoteAddress}`;
      this.injected.push({ stage: 'connect', reply: `421 ${message}`, sessionId: session.id });
      return callback(replyError(421, message));
    }
    this.sessions.set(session.id, { acceptedOnConnection: 0, inFlight: false, refusedInARow: 0 });
    this.peakConnections = Math.max(this.peakConnections, this.sessions.size);
    callback();
  }

  private info(session: SMTPServerSession, from?: string): SessionInfo {
    const env = session.envelope;
    const user = typeof session.user === 'string' ? session.user : undefined;
    return {
      id: session.id,
      remoteAddress: session.remoteAddress,
      remotePort: session.remotePort,
      secure: session.secure,
      ...(user !== undefined ? { user } : {}),
      from: from ?? (env.mailFrom ? env.mailFrom.address : ''),
      to: env.rcptTo.map((r) => r.address),
      transaction: session.transaction,
      acceptedOnConnection: this.sessions.get(session.id)?.acceptedOnConnection ?? 0,
    };
  }

  /** Runs the hook; throws the reply error, drops the connection, or returns to go on. */
  private async applyHook(
    stage: ReplyStage,
    session: SMTPServerSession,
    info: SessionInfo,
    recipient?: string,
  ): Promise<'drop' | 'store-then-drop' | undefined> {
    if (!this.hook) return undefined;
    const reply = await this.hook(stage, info, recipient);
    if (reply === undefined) return undefined;
    if (reply === 'drop' || reply === 'store-then-drop') {
      this.injected.push({ stage, reply, ...(recipient !== undefined ? { recipient } : {}), sessionId: session.id });
      return reply;
    }
    throw this.refuse(stage, session, reply, recipient);
  }

  /** Records a refusal of the session's message and returns the error that answers it. */
  private refuse(stage: ReplyStage, session: SMTPServerSession, reply: { code: number; message: string }, recipient?: string): Error {
    this.injected.push({
      stage,
      reply: `${reply.code} ${reply.message}`,
      ...(recipient !== undefined ? { recipient } : {}),
      sessionId: session.id,
    });
    const state = this.sessions.get(session.id);
    if (state) this.mostRefusedInARow = Math.max(this.mostRefusedInARow, ++state.refusedInARow);
    return replyError(reply.code, reply.message);
  }

  private async onMailFrom(from: string, session: SMTPServerSession): Promise<void> {
    const state = this.sessions.get(session.id);
    if (state) state.inFlight = false; // a new MAIL FROM ends (resets) any earlier transaction
    if ((await this.applyHook('mail', session, this.info(session, from))) === 'drop') return this.drop(session);
    const { dailyLimit, rateLimit } = this.options;
    if (dailyLimit !== undefined) {
      const inFlight = [...this.sessions.values()].filter((s) => s.inFlight).length;
      if (this.received.length + inFlight >= dailyLimit) {
        throw this.refuse('mail', session, { code: 550, message: '5.4.5 Daily user sending limit exceeded.' });
      }
    }
    if (rateLimit) {
      const now = Date.now();
      while (this.mailTimes.length && this.mailTimes[0]! <= now - rateLimit.windowMs) this.mailTimes.shift();
      if (this.mailTimes.length >= rateLimit.max) {
        throw this.refuse('mail', session, { code: 450, message: `4.7.1 Error: too much mail from ${session.remoteAddress}` });
      }
      this.mailTimes.push(now);
    }
    if (state) state.inFlight = true;
  }

  private async onRcptTo(recipient: string, session: SMTPServerSession): Promise<void> {
    if ((await this.applyHook('rcpt', session, this.info(session), recipient)) === 'drop') return this.drop(session);
  }

  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const state = this.sessions.get(session.id);
    const info = this.info(session);
    let hookError: unknown;
    let drop = false;
    let storeThenDrop = false;
    try {
      const outcome = await this.applyHook('data', session, info);
      drop = outcome === 'drop';
      storeThenDrop = outcome === 'store-then-drop';
    } catch (error) {
      hookError = error;
    }
    if (drop) {
      // wait until the client is sending the message, then cut the connection under it
      await new Promise<void>((resolve) => {
        const cut = () => {
          this.drop(session);
          resolve();
        };
        stream.once('data', cut);
        stream.once('end', cut);
        stream.once('error', cut);
        stream.resume();
      });
      if (state) state.inFlight = false;
      return new Promise<string>(() => {}); // never answered: the connection is gone
    }
    const raw = await readAll(stream);
    try {
      if (hookError) throw hookError;
      const messageId = messageIdOf(raw);
      if (this.options.requireMessageId && !messageId) {
        throw this.refuse('data', session, { code: 550, message: '5.7.1 Messages missing a valid Message-ID: header are not accepted.' });
      }
      if (this.options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
      const user = typeof session.user === 'string' ? session.user : undefined;
      const message: ReceivedMessage = {
        from: info.from,
        to: info.to,
        messageId,
        raw,
        sessionId: session.id,
        ...(user !== undefined ? { user } : {}),
        secure: session.secure,
        at: new Date(),
      };
      this.received.push(message);
      this.options.onAccepted?.(message);
      if (state) {
        state.acceptedOnConnection++;
        state.refusedInARow = 0;
      }
      if (storeThenDrop) {
        this.drop(session);
        return new Promise<string>(() => {}); // stored, but the 250 never leaves
      }
      return `2.0.0 Ok: queued as T${(++this.queueCounter).toString(16).toUpperCase().padStart(6, '0')}`;
    } finally {
      if (state) state.inFlight = false;
    }
  }

  private drop(session: SMTPServerSession): void {
    for (const connection of this.server.connections) {
      if (connection.id === session.id) connection._socket.destroy();
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        for (const connection of this.server.connections) connection._socket.destroy();
        resolve();
      });
    });
  }
}

function replyError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<SmtpTestServer> {
  const server = new SmtpTestServerImpl(options);
  await server.start();
  return server;
}
