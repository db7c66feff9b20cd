import { setTimeout as sleep } from 'node:timers/promises';
import { copiesOf } from '../campaign/compose.js';
import type { Recipient } from '../campaign/recipients.js';
import { InputError, MailshotError, StopError } from '../errors.js';
import { isInDoubt } from '../transports/hand-over.js';
import { DeliveryError, envelopeRecipients, type OutgoingMessage } from '../transports/transport.js';
import type { Sender } from './run-context.js';
import { decide, type Action } from './decide.js';

/** A failed attempt to be tried again after `inMs`, or given up (recorded as deferred). */
interface Retry {
  inMs: number;
  giveUp: () => void;
}

/** A recipient's hand-offs in this run, and its refusals in a row with nothing delivered through the account between (see FailureContext). */
interface Tries {
  attempt: number;
  stalled: number;
  /** The run's `delivered` at this recipient's last refusal. */
  deliveredAt: number;
}

/** Composes one recipient's message and hands it over, retrying as the retry policy says. */
export async function sendRecipient(run: Sender, recipient: Recipient, inDoubt: boolean): Promise<void> {
  if (run.ended) return;
  const message = await compose(run, recipient);
  if (!message) return;
  const { transport } = run.account;
  if (inDoubt && transport.findSent && (await transport.findSent(message.messageId).catch(() => false))) {
    const reply = `found in Sent by its Message-ID ${message.messageId}`;
    run.record({ ev: 'sent', to: recipient.key, at: Date.now(), reply }, 'sent', 'already sent (found in Sent)');
    return;
  }
  // Copies that took the message in an earlier attempt (the server refused only the recipient) are not sent it again.
  const copiesDone = new Set(run.copiesAccepted.get(recipient.key));
  // Each attempt takes a slot of its own: a recipient waiting to retry does not hold one.
  const tries: Tries = { attempt: 0, stalled: 0, deliveredAt: run.delivered };
  for (;;) {
    tries.attempt++;
    const retry = await run.pacer.inSlot(() => attemptOnce(run, recipient, { message, copiesDone }, tries), run.options.signal);
    if (!retry) return;
    run.waitingToRetry++;
    const resumed = await pause(retry.inMs, run.options.signal);
    run.waitingToRetry--;
    if (!resumed || run.ended) return retry.giveUp();
  }
}

/** The message, or nothing when the template or the size limit refuses it (recorded as failed). */
async function compose(run: Sender, recipient: Recipient): Promise<OutgoingMessage | undefined> {
  try {
    return await run.compose(recipient);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    run.record(
      { ev: 'failed', to: recipient.key, at: Date.now(), kind: 'template', text: error.message, line: recipient.line },
      'failed',
      error.message,
    );
    return undefined;
  }
}

/** One hand-off to the transport. Returns when to retry (and how to give up), or nothing when settled. */
async function attemptOnce(
  run: Sender,
  recipient: Recipient,
  { message, copiesDone }: { message: OutgoingMessage; copiesDone: Set<string> },
  tries: Tries,
): Promise<Retry | undefined> {
  const { pacer, account } = run;
  const pending = withoutCopies(message, copiesDone);
  // undefined: interrupted while waiting; any other failure (the usage log cannot be written) stops the run
  const slot = await pacer.beforeSend(run.options.signal, envelopeRecipients(pending).length).catch((error: unknown) => {
    if (run.options.signal.aborted) return undefined;
    throw error;
  });
  if (!slot || run.ended) {
    if (slot) await pacer.giveBack(slot);
    return undefined;
  }
  if (!slot.ok) {
    run.pauseUntil(slot.freeAt, `the account's daily limit of ${account.limits.dailyLimit} recipients is reached`);
    return undefined;
  }
  await run.attempting(recipient.key, recipient.line, message.messageId);
  const sentAt = pacer.sending(slot.turn);
  try {
    const accepted = await account.transport.send(pending);
    pacer.onAccepted(sentAt);
    run.delivered++;
    // Copies the server refused are not counted by the provider.
    if (accepted.rejected.length) await pacer.giveBack(slot, accepted.rejected.length);
    const refused = accepted.rejected.map(({ address, reply }) => ({ address, reply: reply.slice(0, 200) }));
    const refusedText = refused.map(({ address, reply }) => `; copy to ${address} refused: ${reply}`).join('');
    run.record(
      {
        ev: 'sent',
        to: recipient.key,
        at: Date.now(),
        reply: accepted.response.slice(0, 200),
        ...copiesOf(message),
        ...(refused.length && { refused }),
      },
      'sent',
      accepted.response + refusedText,
    );
    return undefined;
  } catch (error) {
    const failure = asDeliveryError(error);
    const acceptedCopies = failure.details.acceptedCopies ?? [];
    acceptedCopies.forEach((address) => copiesDone.add(address));
    // Refused, or lost before the server had it: providers count only what they accepted (or may have).
    if (!isInDoubt(failure)) await pacer.giveBack(slot, envelopeRecipients(pending).length - acceptedCopies.length);
    return onFailure(run, recipient, failure, { tries, turn: sentAt }, [...copiesDone]);
  } finally {
    pacer.answered(sentAt);
  }
}

/** Carries out what decide() says about a failed hand-off. */
async function onFailure(
  run: Sender,
  recipient: Recipient,
  failure: DeliveryError,
  { tries, turn }: { tries: Tries; turn: number },
  copiesDone: string[],
): Promise<Retry | undefined> {
  tries.stalled = run.delivered > tries.deliveredAt ? 1 : tries.stalled + 1;
  tries.deliveredAt = run.delivered;
  const { attempt, stalled } = tries;
  const context = { attempt, stalled, deliveredBefore: run.delivered > 0, now: Date.now() };
  let action = decide(failure, context);
  if (action.then === 'slow') action = decide(failure, { ...context, heldMs: run.pacer.slowDown(action.slow, turn) });
  if (action.then === 'in-doubt') {
    run.counts.in_doubt++;
    run.options.onEvent({ type: 'recipient', to: recipient.key, outcome: 'in_doubt', detail: action.words });
    return undefined;
  }
  const refusal = {
    ev: 'deferred',
    to: recipient.key,
    at: context.now,
    kind: failure.kind,
    code: failure.details.code,
    text: failure.message.slice(0, 500),
    ...(copiesDone.length && { accepted: copiesDone }),
  } as const;
  const giveUp = () => run.record(refusal, 'deferred', failure.message);
  switch (action.then) {
    case 'retry':
      // Waiting to retry closes the attempt with the refusal: a crash meanwhile leaves the recipient deferred, not in doubt.
      await run.journal.append(refusal);
      return { inMs: action.afterMs, giveUp };
    case 'fail':
      run.record({ ...refusal, ev: 'failed' }, 'failed', failure.message);
      return undefined;
    case 'stop':
      run.end('stopped', action.words, new StopError(action.words));
      break;
    case 'pause':
      await pauseRun(run, action);
      break;
  }
  giveUp();
  return undefined;
}

/** Pauses the run until the time decided (or the account's daily window frees up); without one, it only ends paused. */
async function pauseRun(run: Sender, { until, words }: Extract<Action, { then: 'pause' }>): Promise<void> {
  if (!until) return run.end('paused', words);
  const at = 'at' in until ? until.at : ((await run.account.usage?.nextFreeAt()) ?? until.orAt);
  run.pauseUntil(at, words);
}

/** Waits; false when the run was interrupted meanwhile. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** The message without the copies that have it already: the envelope only (the Cc header still names them all). */
function withoutCopies(message: OutgoingMessage, done: Set<string>): OutgoingMessage {
  if (!done.size) return message;
  return { ...message, cc: message.cc.filter((address) => !done.has(address)), bcc: message.bcc.filter((address) => !done.has(address)) };
}

export function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof MailshotError) throw error;
  return new DeliveryError('transient', (error as Error)?.message ?? String(error));
}
