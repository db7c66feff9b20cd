import { outboxAccount, type SendingAccount } from '../accounts/open-account.js';
import { LaterError, StopError } from '../errors.js';
import { DeadlineError, signInDeadlineMs, withDeadline } from '../system/deadline.js';
import { asDeliveryError } from './attempt.js';
import type { Prepared, RunOptions } from './run-context.js';

/**
 * What a run checks before its first message. Signing in happens under the campaign's lock, in a slot of the
 * account, and its connection is kept for the first message. A first real send's deliverability look-ups start as
 * soon as the account is open when they hold the send, so that they go on while the list is read (see
 * deliverabilityBeforeConfirm); `stop` ends what is still going when the run ends.
 */
export class EarlyChecks {
  /** The deliverability pre-flight's verdict, once its look-ups have started. */
  private verdict: Promise<() => void> | undefined;
  private telling: Promise<void> | undefined;
  /** A first send's pre-flight that holds nothing: it starts once the first message has been answered. */
  private lookUpLater: (() => void) | undefined;
  private readonly stopped = new AbortController();
  /** The account's slot held for the connection kept open from signing in, until the run dispatches. */
  private slot: number | undefined;

  constructor(
    private readonly prepared: Prepared,
    private readonly account: SendingAccount,
  ) {
    const { via, options, existing, campaign } = prepared;
    if (via === outboxAccount) return;
    const { preflight, confirm } = options;
    if (existing || !preflight) return;
    const lookUp = () => {
      this.verdict = preflight.lookUp({ via, from: campaign.definition.from }, this.stopped.signal);
      this.verdict.catch(() => undefined);
    };
    if (preflight.mayStop || confirm) lookUp();
    else this.lookUpLater = lookUp;
  }

  /**
   * Signs in, under the campaign's lock: its slot of the account is taken only there, so that a run waiting for
   * the lock never holds a slot the lock's holder waits for.
   */
  signedIn(): Promise<void> {
    return this.signIn();
  }

  /**
   * Before a first send's confirmation. The send waits for the deliverability verdict only where it can change
   * something: when a failed check stops the send (--require-deliverability), or a person reads it before
   * confirming. Otherwise its look-ups (and the loading of what does them) start once the first message has
   * been answered, so that they never delay a message, and its warnings come while the campaign goes on.
   */
  async deliverabilityBeforeConfirm(): Promise<void> {
    if (this.verdict) await (this.telling ??= this.tellVerdict());
  }

  /** The run's options, whose first recipient outcome starts a pre-flight that holds nothing. */
  watching(options: RunOptions): RunOptions {
    if (!this.lookUpLater) return options;
    return {
      ...options,
      onEvent: (event) => {
        if (event.type === 'recipient') this.startLater();
        options.onEvent(event);
      },
    };
  }

  /** The run is over: its deliverability warnings are told before its end is (the look-ups start now if nothing was answered). */
  async deliverabilityTold(): Promise<void> {
    this.startLater();
    await this.telling;
  }

  /** Dispatch begins: the slot held for the kept connection lingers for the first message, which takes both. */
  handOver(): void {
    if (this.slot !== undefined) this.account.shared?.slots.done(this.slot);
    this.slot = undefined;
  }

  stop(): void {
    this.stopped.abort();
  }

  private startLater(): void {
    const lookUp = this.lookUpLater;
    this.lookUpLater = undefined;
    if (!lookUp) return;
    lookUp();
    this.telling = this.tellVerdict();
    this.telling.catch(() => undefined);
  }

  private async tellVerdict(): Promise<void> {
    const tell = await this.verdict;
    // a run that ended (or failed) meanwhile has nothing to be warned about
    if (!this.stopped.signal.aborted) tell?.();
  }

  /**
   * Connects and signs in before the first message, so a wrong password or host stops the run before it starts.
   * Its connection counts against the account's connections like every other: it waits for a slot of the account
   * (Ctrl-C or SIGTERM ends the wait and the sign-in at once), and has a deadline once it has one. The connection is
   * kept for the first message, the slot held until dispatch, except while a person is asked to confirm a first
   * send: a prompt must not hold a slot that other runs through the account wait for.
   */
  private async signIn(): Promise<void> {
    const { via, options, existing } = this.prepared;
    const { signal } = options;
    const slots = this.account.shared?.slots;
    const keepOpen = slots !== undefined && !(options.confirm && !existing);
    try {
      const slot = slots && (await slots.take(this.account.limits.maxConcurrent, signal));
      if (keepOpen) this.slot = slot;
      try {
        await withDeadline(signInDeadlineMs(), signal, (stop) => this.account.transport.verify(stop, keepOpen));
      } finally {
        if (!keepOpen && slot !== undefined) slots?.done(slot);
      }
    } catch (error) {
      const later = `nothing was sent. Run \`mailshot campaign resume\` later`;
      if (options.signal.aborted) throw new LaterError(`interrupted while signing in to account "${via}"; ${later}`);
      if (error instanceof DeadlineError) throw new LaterError(`account "${via}": signing in ${error.message}; ${later}`);
      const failure = asDeliveryError(error);
      const message = `account "${via}": ${failure.message}`;
      if (failure.kind === 'auth' || failure.kind === 'config') throw new StopError(message);
      throw new LaterError(`${message}; ${later}`);
    }
  }
}
