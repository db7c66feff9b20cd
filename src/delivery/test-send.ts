import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { openAccount, outboxAccount } from '../accounts/open-account.js';
import { AccountRegistry } from '../accounts/registry.js';
import { normaliseAddress, parseMailbox } from '../campaign/address.js';
import { MessageComposer } from '../campaign/compose.js';
import { previewRow } from '../campaign/preview.js';
import { InputError, LaterError, StopError } from '../errors.js';
import { statePaths } from '../store/state.js';
import { DeadlineError, signInDeadlineMs, withDeadline } from '../system/deadline.js';
import { DeliveryError, envelopeRecipients } from '../transports/transport.js';
import { localTime } from '../system/local-time.js';
import { systemClock } from '../throttle/clock.js';
import { RateLimiter } from '../throttle/rate.js';

export interface TestSendOptions {
  campaignFile: string;
  /** Where the test messages go: these addresses only, never the campaign's recipients. */
  to: string[];
  row: number;
  via?: string;
  stateDir?: string;
}

export interface TestSendResult {
  via: string;
  sent: { to: string; reply: string; messageId: string }[];
}

/**
 * `campaign test`: the message of one CSV row, marked [TEST], sent to the given addresses through the
 * real account. It is recorded in no campaign journal (the campaign's own run is untouched), but it
 * counts against the account's daily limit like every message.
 */
export async function sendTest(options: TestSendOptions): Promise<TestSendResult> {
  const { definition: campaign, recipient, parts } = await previewRow(options.campaignFile, options.row);
  const via = options.via ?? campaign.via ?? outboxAccount;
  const targets = options.to.length ? options.to.map(testAddress) : [await ownAddress(via)];
  const outbox = path.join(statePaths(campaign.file, options.stateDir).dir, 'test-outbox');
  const account = await openAccount(via, outbox, {});
  // A Message-ID of its own: a tester who is also a recipient must not have the real message dropped as a repeat.
  const composer = new MessageComposer(campaign, `test-${randomUUID()}`);
  const sent: TestSendResult['sent'] = [];
  // One of the account's slots and its rate turns, as every run through it: a test beside a campaign adds no connection.
  const rate = new RateLimiter(account.limits.rate, systemClock, account.shared?.rate);
  await account.shared?.slots.take(account.limits.maxConcurrent);
  try {
    await withDeadline(signInDeadlineMs(), undefined, (stop) => account.transport.verify(stop)).catch(
      stopOnDeliveryError(`account "${via}"`),
    );
    for (const address of targets) {
      await rate.take();
      // To these addresses only: the campaign's cc and bcc are for its real messages.
      const message = await composer.compose(
        { ...recipient, address, key: normaliseAddress(address) },
        { ...parts, subject: `[TEST] ${parts.subject}`, cc: [], bcc: [] },
      );
      const reservation = account.usage ? await account.usage.reserve(envelopeRecipients(message).length) : { ok: true as const };
      if (!reservation.ok)
        throw new StopError(`the account's daily limit is reached; test messages can be sent again after ${localTime(reservation.freeAt)}`);
      const accepted = await account.transport.send(message).catch(stopOnDeliveryError(`test message to ${address} not sent`));
      sent.push({ to: address, reply: accepted.response, messageId: message.messageId });
    }
  } finally {
    // Connections closed before the slot is given back: another process may open its own at once.
    await account.transport.closeIdle?.();
    await Promise.all([account.transport.close(), account.usage?.close()]);
    await account.shared?.close();
  }
  return { via, sent };
}

function stopOnDeliveryError(what: string) {
  return (error: unknown): never => {
    if (error instanceof DeliveryError) throw new StopError(`${what}: ${error.message}`);
    if (error instanceof DeadlineError) throw new LaterError(`${what}: signing in ${error.message}; nothing was sent`);
    throw error;
  };
}

/** No --to (with --check): the account's own mailbox, where the message can be looked for. */
async function ownAddress(via: string): Promise<string> {
  const account = via === outboxAccount ? undefined : (await AccountRegistry.open()).get(via);
  const address = account?.kind === 'smtp' ? account.user : account?.kind === 'ses' ? undefined : account?.address;
  if (address && parseMailbox(address)) return parseMailbox(address)!.address;
  throw new InputError(`--to: "${via}" has no mailbox address of its own to send the test to; write e.g. --to you@example.com`);
}

function testAddress(text: string): string {
  const mailbox = parseMailbox(text.trim());
  if (!mailbox) throw new InputError(`--to: "${text}" is not an address; write e.g. --to you@example.com,colleague@example.com`);
  return mailbox.address;
}
