import type { AfterDeliveryEvent, RecipientEvent } from '../store/journal-line.js';
import type { RecipientStatus } from '../status.js';

export interface RecipientOutcome {
  /** Normalised address, or the CSV cell for a rejected row. */
  recipient: string;
  status: RecipientStatus;
  /** CSV line of the row (older journals have it for rejected and skipped rows only). */
  line?: number;
  /** Why: failure kind / skip reason. */
  reason?: string;
  code?: string;
  detail?: string;
  at?: string;
  /** Copies of a sent message: Cc (in its headers) and Bcc (envelope only). */
  cc?: string[];
  bcc?: string[];
  /** Copies the server refused (over SMTP, per envelope recipient) while it took the message for the recipient. */
  refused_copies?: { address: string; reply: string }[];
  /** What the mailbox said after delivery (`bounces check`): "delivered, then bounced". */
  after?: { event: AfterDeliveryEvent['ev']; hard?: boolean; status?: string; detail?: string; at: string };
}

/** A recipient's outcome from its last event; `line`: its CSV line (an earlier event may have given it). */
export function outcomeOf(event: RecipientEvent, line: number | undefined): RecipientOutcome {
  const recipient = event.to;
  const at = iso(event.at);
  switch (event.ev) {
    case 'sent': {
      const refused = event.refused ?? [];
      const detail = event.reply + refused.map(({ address, reply }) => `; copy to ${address} refused: ${reply}`).join('');
      const outcome: RecipientOutcome = { recipient, at, status: 'sent', detail };
      if (event.cc) outcome.cc = event.cc;
      if (event.bcc) outcome.bcc = event.bcc;
      if (refused.length) outcome.refused_copies = refused;
      outcome.line = line;
      return outcome;
    }
    case 'failed':
    case 'deferred':
      return { recipient, at, status: event.ev, reason: event.kind, code: event.code, detail: event.text, line };
    case 'skipped':
      return { recipient, at, status: 'skipped', reason: event.reason, line, detail: event.suppressed };
    case 'attempt':
      return { recipient, at, status: 'in_doubt', detail: inDoubtDetail, line };
  }
}

const inDoubtDetail =
  'handed to the server, no answer recorded (the sender stopped, or the connection was lost after the message was handed over)';

export function isHard(event: AfterDeliveryEvent | undefined): boolean {
  return event?.ev === 'bounced' && event.hard;
}

export function withAfter(outcome: RecipientOutcome, event: AfterDeliveryEvent | undefined): RecipientOutcome {
  if (!event) return outcome;
  const at = iso(event.at)!;
  if (event.ev === 'bounced')
    return { ...outcome, after: { event: event.ev, hard: event.hard, status: event.status, detail: event.diagnostic, at } };
  return { ...outcome, after: { event: event.ev, detail: event.ev === 'complained' ? event.feedback : undefined, at } };
}

/** The last second iso() formatted: a journal's events come many to a second, and a report formats millions. */
const lastSecond = { second: NaN, prefix: '' };
const year10000 = 253_402_300_800_000;

/** `at` as ISO 8601 UTC with milliseconds, as Date#toISOString writes it. */
export function iso(at: number | undefined): string | undefined {
  if (at === undefined) return undefined;
  if (!Number.isInteger(at) || at < 0 || at >= year10000) return new Date(at).toISOString();
  const second = Math.floor(at / 1000);
  if (second !== lastSecond.second) Object.assign(lastSecond, { second, prefix: new Date(second * 1000).toISOString().slice(0, 20) });
  return `${lastSecond.prefix}${String(at - second * 1000).padStart(3, '0')}Z`;
}
