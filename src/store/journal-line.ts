import { InputError } from '../errors.js';

/**
 * One line of journal.jsonl. `to` is the recipient's normalised address; `at` is epoch milliseconds.
 * `attempt` is durable before the message is handed to a transport; a recipient whose last event is
 * `attempt` is "in doubt": it may or may not have been accepted.
 */
export type JournalEvent =
  | { ev: 'attempt'; to: string; at: number; line?: number; mid?: string }
  | { ev: 'sent'; to: string; at: number; reply: string; cc?: string[]; bcc?: string[]; refused?: { address: string; reply: string }[] }
  | { ev: 'failed'; to: string; at: number; kind: string; code?: string; text: string; line?: number; accepted?: string[] }
  | { ev: 'deferred'; to: string; at: number; kind: string; code?: string; text: string; accepted?: string[] }
  | { ev: 'skipped'; to?: string; at: number; reason: string; line: number; value?: string; suppressed?: string }
  | { ev: 'run'; at: number; what: 'start' | 'end'; status?: string; via?: string; name?: string; campaign?: string }
  | { ev: 'limits'; at: number; concurrency: number; rate?: string; why: string }
  | AfterDeliveryEvent;

/**
 * The line written before a message is handed over. It names the Message-ID only for a campaign whose state
 * does not record the From it started with: otherwise the ID is derived from the state (campaign/compose.ts)
 * and the line would only repeat it (in the outbox, twice: the `sent` reply names the file after it).
 */
export function attemptLine(to: string, line: number, messageId: string, started: boolean): JournalEvent {
  return { ev: 'attempt', to, at: Date.now(), line, ...(!started && { mid: messageId }) };
}

/**
 * What the mailbox said after a message was delivered (`bounces check`): it does not change whether the
 * recipient is settled, only what the report says about it.
 */
export type AfterDeliveryEvent =
  | { ev: 'bounced'; to: string; at: number; hard: boolean; status: string; diagnostic?: string }
  | { ev: 'complained'; to: string; at: number; feedback?: string }
  | { ev: 'unsubscribed'; to: string; at: number };

export const afterDeliveryEvents: ReadonlySet<string> = new Set<AfterDeliveryEvent['ev']>(['bounced', 'complained', 'unsubscribed']);

export type RecipientEvent = Exclude<JournalEvent, { ev: 'run' | 'limits' } | AfterDeliveryEvent> & { to: string };

type Kind = 'string' | 'number' | 'boolean' | 'string?' | 'number?';

/** Each event's fields and their types: a line with another event name, a missing field or a wrong type is damage. */
const layouts: Record<JournalEvent['ev'], Record<string, Kind>> = {
  attempt: { to: 'string', at: 'number', mid: 'string?' },
  sent: { to: 'string', at: 'number', reply: 'string' },
  failed: { to: 'string', at: 'number', kind: 'string', code: 'string?', text: 'string' },
  deferred: { to: 'string', at: 'number', kind: 'string', code: 'string?', text: 'string' },
  skipped: { to: 'string?', at: 'number', reason: 'string', line: 'number', value: 'string?', suppressed: 'string?' },
  run: { at: 'number', what: 'string', status: 'string?', via: 'string?', name: 'string?', campaign: 'string?' },
  limits: { at: 'number', concurrency: 'number', rate: 'string?', why: 'string' },
  bounced: { to: 'string', at: 'number', hard: 'boolean', status: 'string', diagnostic: 'string?' },
  complained: { to: 'string', at: 'number', feedback: 'string?' },
  unsubscribed: { to: 'string', at: 'number' },
};

/** The layouts as lists, worked out once: a journal of millions of lines is checked field by field. */
const fieldLists = Object.fromEntries(
  Object.entries(layouts).map(([ev, layout]) => [
    ev,
    Object.entries(layout).map(([field, kind]) => ({ field, type: kind.replace('?', ''), optional: kind.endsWith('?') })),
  ]),
) as Record<JournalEvent['ev'], { field: string; type: string; optional: boolean }[]>;

export function isKnownEvent(ev: string): ev is JournalEvent['ev'] {
  return Object.hasOwn(layouts, ev);
}

/** The advice for a damaged line in the middle of the journal: never "start over", which would resend everyone. */
const damagedAdvice =
  'restore the journal from a backup, or correct or delete that line by hand; moving the state folder away would send everyone again';

/** Parses one journal line strictly, or throws an InputError naming the file and line. */
export function parseJournalLine(file: string, text: string, number: number): JournalEvent {
  if (text.includes('\u0000'))
    throw new InputError(`${file}:${number}: this line holds NUL bytes; the journal was damaged (${damagedAdvice})`);
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new InputError(`${file}:${number}: this line is not valid JSON; the journal was edited or damaged (${damagedAdvice})`);
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event) || typeof event.ev !== 'string' || !isKnownEvent(event.ev)) {
    throw new InputError(`${file}:${number}: not a journal event (no known "ev"); the journal was edited or damaged (${damagedAdvice})`);
  }
  for (const { field, type, optional } of fieldLists[event.ev]) {
    const value = event[field];
    if ((value === undefined && optional) || typeof value === type) continue;
    throw new InputError(
      `${file}:${number}: a "${event.ev}" event needs ${optional ? 'a' : 'the'} field "${field}" as a ${type}; the journal was edited or damaged (${damagedAdvice})`,
    );
  }
  return event as unknown as JournalEvent;
}
