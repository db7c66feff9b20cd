import { PassThrough } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

/** How long a QUIT waits for the server to close the connection before it is cut off. */
const quitWaitMs = 2000;

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

  constructor(
    private readonly newConnection: () => SMTPConnection,
    private readonly auth: { user: string; pass: string } | undefined,
    private readonly perConnection: number,
  ) {}

  async send(envelope: { from: string; to: string[] }, raw: Buffer): Promise<LaneResult> {
    let lane: Lane;
    try {
      lane = this.takeIdle() ?? (await Lane.open(this.newConnection(), this.auth));
    } catch (error) {
      return { ok: false, error, handedOver: false };
    }
    const result = await lane.send(envelope, raw);
    const reusable = result.ok || (await lane.resetAfterRefusal(result.error));
    if (reusable && lane.alive && lane.messages < this.perConnection) this.idle.push(lane);
    else if (reusable) lane.quit();
    else lane.close();
    return result;
  }

  close(): void {
    for (const lane of this.idle.splice(0)) lane.quit();
  }

  /** Says QUIT on the idle connections and resolves once the server has closed them (or 2 s passed). */
  async closeIdle(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((lane) => lane.quitAndWait()));
  }

  private takeIdle(): Lane | undefined {
    for (let lane = this.idle.pop(); lane; lane = this.idle.pop()) if (lane.alive) return lane;
    return undefined;
  }
}

class Lane {
  alive = true;
  messages = 0;

  private constructor(private readonly connection: SMTPConnection) {
    // An idle connection the server closes (its idle timeout) or that times out is simply not reused.
    const retire = () => {
      this.alive = false;
    };
    connection.on('error', retire);
    connection.on('end', retire);
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
    body.end(raw);
    return new Promise((resolve) => {
      this.connection.send(envelope, body, (error, info) => {
        if (error) resolve({ ok: false, error, handedOver });
        else
          resolve({ ok: true, response: info?.response ?? '', accepted: info?.accepted ?? [], rejectedErrors: info?.rejectedErrors ?? [] });
      });
    });
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

  /** QUIT, then wait for the connection to end; a server that does not close it within 2 s is cut off. */
  quitAndWait(): Promise<void> {
    if ((this.connection as { destroyed?: boolean }).destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.connection.close();
        done();
      }, quitWaitMs);
      this.connection.once('end', done);
      if (this.alive) this.quit();
      else this.connection.close();
    });
  }

  close(): void {
    this.alive = false;
    this.connection.close();
  }
}
