import { JournalFold } from '../../src/report/summary.js';
import type { CampaignState } from '../../src/store/state.js';
import type { RecipientStatus } from '../../src/status.js';
import { at, foldJournal as journal } from '../fixtures/fold-journal.js';

// A recipient counts by its last event (after-delivery events aside), wherever its earlier events were:
// the fold keeps numbers per recipient, not its events, and must decide as reading every event would.

const state = { recipients: 10, via: 'outbox', status: 'paused' } as CampaignState;

function summaryWith(listing: RecipientStatus[] | undefined) {
  const fold = new JournalFold();
  fold.listing = listing;
  for (const event of journal) fold.add(event);
  return fold.summary('campaign.yaml', state, listing);
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('the journal fold decides each recipient by its last event', () => {
  test.each([[undefined], [[]], [['in_doubt']], [['failed', 'deferred', 'in_doubt']]] as [RecipientStatus[] | undefined][])(
    'listing %j: the counts',
    (listing) => {
      const summary = summaryWith(listing);
      expect(summary.totals).toEqual({ recipients: 10, sent: 4, failed: 2, skipped: 2, pending: 2, in_doubt: 1, deferred: 1 });
      expect(summary.failed_by_reason).toEqual({ rejected: 1, template: 1 });
      expect(summary.skipped_by_reason).toEqual({ invalid: 1, suppressed: 1 });
      expect(summary.copies).toEqual({ cc: 2, bcc: 1 });
      expect(summary.after_delivery).toEqual({
        bounced: 1,
        soft_bounced: 0,
        complained: 1,
        unsubscribed: 0,
        bounce_rate: 0.25,
        complaint_rate: 0.25,
      });
      expect(summary.per_minute).toEqual([
        { minute: iso(at(0)), sent: 2, failed: 1, deferred: 3 },
        { minute: iso(at(5)), sent: 2, failed: 1, deferred: 1 },
      ]);
      expect(summary.runs).toEqual([
        { started_at: iso(at(0)), ended_at: iso(at(0, 20)), status: 'paused' },
        { started_at: iso(at(5)), ended_at: iso(at(5, 30)), status: 'done' },
      ]);
    },
  );

  test('every recipient listed in first-seen order, with its last event and the CSV line an earlier event gave', () => {
    const listed = summaryWith(undefined).recipients.map(({ recipient, status, line, reason, after }) => ({
      recipient,
      status,
      line,
      reason,
      after: after && `${after.event}${after.hard === undefined ? '' : after.hard ? ' hard' : ' soft'}`,
    }));
    expect(listed).toEqual([
      { recipient: 'retried@example.com', status: 'sent', line: 2, reason: undefined, after: undefined },
      { recipient: 'doubt@example.com', status: 'in_doubt', line: 3, reason: undefined, after: undefined },
      { recipient: 'refused@example.com', status: 'failed', line: 4, reason: 'rejected', after: undefined },
      { recipient: 'suppressed@example.com', status: 'skipped', line: 5, reason: 'suppressed', after: undefined },
      { recipient: 'bounced@example.com', status: 'sent', line: 6, reason: undefined, after: 'bounced hard' },
      { recipient: 'still-deferred@example.com', status: 'deferred', line: 7, reason: 'greylisted', after: undefined },
      { recipient: 'complained@example.com', status: 'sent', line: 8, reason: undefined, after: 'complained' },
      { recipient: 'template@example.com', status: 'failed', line: 9, reason: 'template', after: undefined },
      { recipient: 'resent@example.com', status: 'sent', line: 11, reason: undefined, after: undefined },
      { recipient: 'not-an-address', status: 'skipped', line: 10, reason: 'invalid', after: undefined },
    ]);
  });

  test('a listing of some statuses lists those recipients only, with their whole last event', () => {
    const { recipients } = summaryWith(['failed', 'deferred']);
    expect(recipients.map(({ recipient, status, code, detail }) => ({ recipient, status, code, detail }))).toEqual([
      { recipient: 'refused@example.com', status: 'failed', code: '550', detail: '550 5.1.1 no such user' },
      { recipient: 'still-deferred@example.com', status: 'deferred', code: undefined, detail: '450 greylisted again' },
      { recipient: 'template@example.com', status: 'failed', code: undefined, detail: 'undefined variable' },
    ]);
  });

  test('thousands of recipients: each counted once, each keeps its own line', () => {
    const fold = new JournalFold();
    fold.listing = ['failed'];
    const count = 20_000;
    for (let index = 0; index < count; index++) {
      const to = `person.${index}@example.com`;
      fold.add({ ev: 'attempt', to, at: index, line: index + 2 });
      if (index % 1000 === 7) fold.add({ ev: 'failed', to, at: index, kind: 'rejected', text: '550 no' });
      else fold.add({ ev: 'sent', to, at: index, reply: '250 ok' });
    }
    const summary = fold.summary('campaign.yaml', { ...state, recipients: count }, ['failed']);
    expect(summary.totals).toMatchObject({ sent: count - 20, failed: 20, in_doubt: 0, pending: 0 });
    expect(summary.recipients.map(({ recipient, line }) => [recipient, line])).toEqual(
      Array.from({ length: 20 }, (_, thousand) => [`person.${thousand * 1000 + 7}@example.com`, thousand * 1000 + 9]),
    );
    expect(fold.kept.size).toBe(20);
  });
});
