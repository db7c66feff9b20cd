import { JournalFold } from '../../src/report/summary.js';
import type { JournalEvent } from '../../src/store/journal-line.js';
import type { CampaignState } from '../../src/store/state.js';
import type { RecipientStatus } from '../../src/status.js';

// The totals of a run's end and of `status` come from a fold that keeps, of a recipient it will not list,
// only what counting it needs: the same totals as the full fold, without every server reply in memory.

function journal(): JournalEvent[] {
  const events: JournalEvent[] = [{ ev: 'run', at: 0, what: 'start', name: 'Fold' }];
  for (let index = 0; index < 60; index++) {
    const to = `r${index}@example.com`;
    const at = 60_000 + index * 1000;
    events.push({ ev: 'attempt', to, at, line: index + 2 });
    switch (index % 6) {
      case 0:
        events.push({ ev: 'sent', to, at: at + 1, reply: `250 2.0.0 queued as ${'Q'.repeat(150)}${index}`, cc: ['c@example.com'] });
        break;
      case 1:
        events.push({ ev: 'failed', to, at: at + 1, kind: index % 12 === 1 ? 'rejected' : 'template', text: '550 no such user' });
        break;
      case 2:
        events.push({ ev: 'deferred', to, at: at + 1, kind: 'throttled', text: '421 later' });
        break;
      case 3:
        events.push({ ev: 'skipped', to, at: at + 1, reason: 'suppressed', line: index + 2 });
        break;
      case 4:
        break; // in doubt
      default:
        events.push({ ev: 'deferred', to, at: at + 1, kind: 'throttled', text: '421 later' });
        events.push({ ev: 'sent', to, at: at + 2, reply: '250 ok', bcc: ['b@example.com'] });
    }
  }
  events.push({ ev: 'skipped', at: 200_000, reason: 'invalid', line: 70, value: 'not-an-address' });
  events.push({ ev: 'run', at: 200_001, what: 'end', status: 'done' });
  return events;
}

const state = { recipients: 61, via: 'outbox', status: 'done' } as CampaignState;

function summaryWith(listing: RecipientStatus[] | undefined) {
  const fold = new JournalFold();
  fold.listing = listing;
  for (const event of journal()) fold.add(event);
  return { fold, summary: fold.summary('campaign.yaml', state, listing) };
}

describe('JournalFold keeps of unlisted recipients only what counting needs', () => {
  test.each([[[] as RecipientStatus[]], [['in_doubt'] as RecipientStatus[]], [['failed', 'deferred'] as RecipientStatus[]]])(
    'listing %j: the same totals, reasons, copies and timeline as the full fold; the listed recipients whole',
    (listing) => {
      const full = summaryWith(undefined).summary;
      const { fold, summary } = summaryWith(listing);
      const { recipients: allRecipients, listed: _all, ...fullRest } = full;
      const { recipients, listed: _listed, ...rest } = summary;
      expect(rest).toEqual(fullRest);
      expect(recipients).toEqual(allRecipients.filter((recipient) => listing.includes(recipient.status)));
      // Of the recipients not listed, only the open ones (in doubt, deferred) keep an event, and without its text.
      const unlisted = [...fold.kept.values()].filter((event) => !listing.includes(event.ev === 'attempt' ? 'in_doubt' : event.ev));
      expect(unlisted.map((event) => event.ev).sort()).toEqual(
        [
          ...Array<string>(listing.includes('in_doubt') ? 0 : 10).fill('attempt'),
          ...Array<string>(listing.includes('deferred') ? 0 : 10).fill('deferred'),
        ].sort(),
      );
      expect(unlisted.every((event) => !('text' in event) || event.text === '')).toBe(true);
    },
  );
});
