import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

/** How long a QUIT waits for the server to close the connection before it is cut off. */
const quitWaitMs = 2000;
/**
 * Messages a session may have refused in a row before it is replaced by a fresh one. Postfix counts a session's
 * errors until it takes a message (three for a pipelined refusal: MAIL, RCPT, DATA) and past ten answers every
 * command a second late; a refused message's reply then comes 3 s late, and a run waiting out a rate limit
 * finds the server open again seconds after it is.
 */
const refusalsPerSession = 2;

/** What a send through a lane ends with: the server's final reply, or the error and whether the body had been handed over. */
export type LaneResult =
  { ok: true; response: string; accepted: string[]; rejectedErrors: unknown[] } | { ok: false; error: unknown; handedOver: boolean };

/**
 * Reused SMTP connections ("lanes"), one message at a time on each, each retired after `perConnection`
 * messages. nodemailer's pool would do the same but cannot say whether a message whose connection died
 * had been handed over: here the body is a stream of our own, and once the connection has read all of
 * it (and with it the final ".") a failure without a reply leaves the message in doubt.
 * How many lanes are open at once is the send loop's concurrency: it never asks for more at a time.
 */
export class SmtpLanes {
  private readonly idle: Lane[] = [];
  /** Lanes retired (QUIT or cut off) whose sockets have not closed yet. */
  private readonly closing = new Set<Promise<void>>();
  /** Connections opening now (openLane). */
  private readonly opening = new Set<Promise<Lane>>();
  /** Connections this run opened (and signed in, if it had to). */
  private opened = 0;

  constructor(
    private readonly newConnection: () => SMTPConnection,
    private readonly auth: { user: string; pass: string } | undefined,
    private readonly perConnection: number,
  ) {}

  async send(envelope: { from: string; to: string[] }, raw: Buffer): Promise<LaneResult> {
    let lane: Lane;
    try {
      lane = this.takeIdle() ?? (await this.openLane());
    } catch (error) {
      return { ok: false, error, handedOver: false };
    }
    const result = await lane.send(envelope, raw);
    const reusable = result.ok || (await lane.resetAfterRefusal(result.error));
    const spent = lane.messages >= this.perConnection || lane.refusedInARow >= refusalsPerSession;
    if (reusable && lane.alive && !spent) this.idle.push(lane);
    else this.retire(lane, reusable);
    return result;
  }

  /** A connection signed in already (the account's check before a run) becomes an idle lane for the first message. */
  adopt(connection: SMTPConnection): void {
    this.opened++;
    this.idle.push(Lane.signedIn(connection));
  }

  close(): void {
    for (const lane of this.idle.splice(0)) lane.quit();
  }

  /**
   * Says QUIT on the idle connections and resolves once every connection this process retired has closed
   * (both ends: the server has seen it go), or 2 s passed: only then may another process open its own.
   */
  async closeIdle(): Promise<void> {
    for (const lane of this.idle.splice(0)) this.retire(lane, true);
    await Promise.all(this.closing);
  }

  /**
   * No more connections open at once than have opened so far: one, then two, then four (as TCP's slow start).
   * A server at its connection limit refuses those opening; the ones waiting behind them fail with the same
   * refusal without knocking (the run cuts its concurrency on each, as on a refusal of their own). A run set
   * to 8 against a server allowing 2 is refused a few connections rather than six at once.
   */
  private async openLane(): Promise<Lane> {
    while (this.opening.size >= Math.max(1, this.opened)) {
      await Promise.race(this.opening);
      const idle = this.takeIdle();
      if (idle) return idle;
    }
    const opening = Lane.open(this.newConnection(), this.auth);
    this.opening.add(opening);
    try {
      const lane = await opening;
      this.opened++;
      return lane;
    } finally {
      this.opening.delete(opening);
    }
  }

  private retire(lane: Lane, politely: boolean): void {
    const closed = politely ? lane.quitAndWait() : lane.closeAndWait();
    this.closing.add(closed);
    void closed.finally(() => this.closing.delete(closed));
  }

  private takeIdle(): Lane | undefined {
    for (let lane = this.idle.pop(); lane; lane = this.idle.pop()) if (lane.alive) return lane;
    return undefined;
  }
}

class Lane {
  alive = true;
  messages = 0;
  /** Messages refused since the server last took one on this connection. */
  refusedInARow = 0;
  /** Resolves when the socket has closed (socketClosed). */
  private readonly closed: Promise<void>;

  private constructor(private readonly connection: SMTPConnection) {
    // An idle connection the server closes (its idle timeout) or that times out is simply not reused.
    const retire = () => {
      this.alive = false;
    };
    connection.on('error', retire);
    connection.on('end', retire);
    this.closed = socketClosed(connection);
  }

  static signedIn(connection: SMTPConnection): Lane {
    return new Lane(connection);
  }

  static open(connection: SMTPConnection, auth: { user: string; pass: string } | undefined): Promise<Lane> {
    return new Promise((resolve, reject) => {
      const fail = (error: unknown) => {
        connection.close();
        reject(error);
      };
      connection.once('error', fail);
      connection.connect((error) => {
        if (error) return fail(error);
        const ready = () => {
          connection.off('error', fail);
          resolve(new Lane(connection));
        };
        if (!auth) return ready();
        connection.login(auth, (loginError) => (loginError ? fail(loginError) : ready()));
      });
    });
  }

  send(envelope: { from: string; to: string[] }, raw: Buffer): Promise<LaneResult> {
    this.messages++;
    let handedOver = false;
    // The connection pipes this into DATA only after the server's 354; it ends once all of it was taken.
    const body = new PassThrough();
    body.once('end', () => {
      handedOver = true;
    });
    this.oneWrite(body);
    body.end(raw);
    return new Promise((resolve) => {
      this.connection.send(envelope, body, (error, info) => {
        this.refusedInARow = error ? this.refusedInARow + 1 : 0;
        if (error) resolve({ ok: false, error, handedOver });
        else
          resolve({ ok: true, response: info?.response ?? '', accepted: info?.accepted ?? [], rejectedErrors: info?.rejectedErrors ?? [] });
      });
    });
  }

  /**
   * The message and the "." after it leave in one write rather than two: each write to a socket costs a system
   * call and a wake-up of the server, as much as composing a tenth of a message. The socket is corked while the
   * body flows and uncorked once the connection has added the ".", after the events of that turn.
   */
  private oneWrite(body: PassThrough): void {
    const socket = (this.connection as unknown as { _socket?: Socket })._socket;
    if (!socket) return;
    body.once('resume', () => socket.cork());
    body.once('end', () => setImmediate(() => socket.uncork()));
  }

  /**
   * The server refused this message (MAIL FROM, RCPT TO or DATA answered 4xx/5xx) but the session is fine:
   * RSET and keep the connection, as nodemailer's pool does. Reconnecting after every refusal would slow
   * the run to the server's greeting delay. A 421 closes the session, so it is not reused.
   */
  async resetAfterRefusal(error: unknown): Promise<boolean> {
    const { code, responseCode } = error as { code?: string; responseCode?: number };
    if (!this.alive || (code !== 'EENVELOPE' && code !== 'EMESSAGE') || !responseCode || responseCode === 421) return false;
    return new Promise((resolve) => this.connection.reset((resetError) => resolve(!resetError)));
  }

  quit(): void {
    this.alive = false;
    this.connection.quit();
  }

  /** QUIT, then wait for the socket to close; a server that does not close it within 2 s is cut off. */
  quitAndWait(): Promise<void> {
    if (!this.alive) return this.closeAndWait();
    this.quit();
    return this.waitClosed();
  }

  /** Cuts the connection off and waits for its socket to close. */
  closeAndWait(): Promise<void> {
    this.alive = false;
    this.connection.close();
    return this.waitClosed();
  }

  private waitClosed(): Promise<void> {
    return closedWithin(this.connection, this.closed);
  }
}

/**
 * Resolves when the connection's socket has closed. nodemailer's 'end' comes as soon as it has sent its own
 * FIN after the 221, before the server has seen the connection end; the socket's 'close' comes once both ends have.
 */
function socketClosed(connection: SMTPConnection): Promise<void> {
  const socket = (connection as unknown as { _socket?: Socket })._socket;
  return new Promise((resolve) => (!socket || socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

/** Waits for `closed`; a server that does not close the connection within 2 s is cut off. */
async function closedWithin(connection: SMTPConnection, closed: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      connection.close();
      resolve();
    }, quitWaitMs);
  });
  await Promise.race([closed, late]);
  clearTimeout(timer);
}

/** QUIT, and resolve once the server has seen the connection end (or it was cut off after 2 s). */
export function quitAndWait(connection: SMTPConnection): Promise<void> {
  const closed = socketClosed(connection);
  connection.quit();
  return closedWithin(connection, closed);
}
