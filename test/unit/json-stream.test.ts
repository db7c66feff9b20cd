import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatJson, writeJson } from '../../src/report/json.js';
import { JournalFold } from '../../src/report/summary.js';
import { readJournalPlaced } from '../../src/store/journal.js';
import type { CampaignState } from '../../src/store/state.js';
import type { RecipientStatus } from '../../src/status.js';
import { foldJournal } from '../fixtures/fold-journal.js';
import { tempDir } from '../helpers/cli.js';

// `report --format json` is written while each recipient's last event is read back from the journal, in
// small pieces: the text must be exactly what one JSON.stringify of the whole summary gives.

const state = { recipients: 10, via: 'outbox', status: 'paused' } as CampaignState;

describe('report --format json written as a stream', () => {
  let dir: string;
  let journal: string;
  beforeAll(async () => {
    dir = await tempDir('mailshot-json-stream-');
    journal = path.join(dir, 'journal.jsonl');
    // a recipient with a long server reply spreads the lines over more than one read window
    const events = [...foldJournal, { ev: 'attempt', to: 'long@example.com', at: 1, line: 12 } as const];
    events.push({ ev: 'sent', to: 'long@example.com', at: 2, reply: `250 ${'x'.repeat(1_500_000)}` });
    // enough recipients for the list to be stringified in several batches, sent, failed and with copies
    for (let index = 0; index < 700; index++) {
      const to = `many${index}@example.com`;
      events.push({ ev: 'attempt', to, at: 3 + index, line: 13 + index });
      events.push(
        index % 3
          ? { ev: 'sent', to, at: 3 + index, reply: `250 ok ${index}`, ...(index % 5 === 0 && { cc: ['copy@example.com'] }) }
          : { ev: 'failed', to, at: 3 + index, kind: 'rejected', code: '550', text: `550 "no" \\ ${index}` },
      );
    }
    await writeFile(journal, events.map((event) => JSON.stringify(event) + '\n').join(''), { mode: 0o600 });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test.each([[undefined], [['failed', 'deferred', 'in_doubt']], [['skipped']], [[]]] as [RecipientStatus[] | undefined][])(
    'listing %j: the same text as formatJson of the whole summary',
    async (listing) => {
      const whole = new JournalFold();
      const placed = new JournalFold();
      whole.listing = placed.listing = listing;
      for await (const events of readJournalPlaced(journal, () => undefined)) {
        for (const { event, place } of events) {
          whole.add(event);
          placed.add(event, place);
        }
      }
      expect(placed.kept.size).toBeLessThanOrEqual(2); // open recipients not listed, as countable()
      const pieces: string[] = [];
      await writeJson(placed, placed.counts('campaign.yaml', state, listing), journal, async (text) => {
        pieces.push(text);
      });
      expect(pieces.join('')).toBe(formatJson(whole.summary('campaign.yaml', state, listing)));
      if (listing === undefined) expect(pieces.length).toBeGreaterThan(1);
    },
  );

  test("a field added to the summary after its recipients (a dead run's lock) still gives valid JSON, recipients last", async () => {
    const lock = { pid: 4242, host: 'vm', since: '2026-12-07T02:50:02.577Z', age_seconds: 0, owner: 'dead' as const };
    const whole = new JournalFold();
    const placed = new JournalFold();
    for await (const events of readJournalPlaced(journal, () => undefined)) {
      for (const { event, place } of events) {
        whole.add(event);
        placed.add(event, place);
      }
    }
    const pieces: string[] = [];
    await writeJson(placed, { ...placed.counts('campaign.yaml', state, undefined), lock }, journal, async (text) => {
      pieces.push(text);
    });
    const text = pieces.join('');
    expect(text).toBe(formatJson({ ...whole.summary('campaign.yaml', state, undefined), lock }));
    expect(Object.keys(JSON.parse(text) as object).slice(-2)).toEqual(['lock', 'recipients']);
  });
});
