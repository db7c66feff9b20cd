import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PreparedCampaign } from '../../src/campaign/prepare.js';
import { AddressSet } from '../../src/campaign/address-set.js';
import { loadProgress, ProgressTracker } from '../../src/delivery/checkpoint.js';
import { statePaths } from '../../src/store/state.js';
import { fingerprintOf } from '../../src/campaign/csv-fingerprint.js';
import { tempDir } from '../helpers/cli.js';

const isSettled = (last: string | undefined) => last === 'sent' || last === 'failed' || last === 'skipped';

/** A campaign over a recipients.csv holding `rows`, with a state folder whose journal has begun a run. */
async function campaignWithJournal(rows: string) {
  const dir = await tempDir('mailshot-checkpoint-');
  const csv = path.join(dir, 'recipients.csv');
  await writeFile(csv, rows);
  const paths = statePaths(path.join(dir, 'campaign.yaml'), path.join(dir, 'state'));
  await mkdir(paths.dir, { recursive: true });
  await writeFile(paths.journal, '{"ev":"run","at":1,"what":"start"}\n');
  const campaign = {
    definition: { recipientsFile: csv, email_column: 'email' },
    layout: { columns: ['email'] },
  } as unknown as PreparedCampaign;
  return { csv, paths, campaign };
}

describe('ProgressTracker', () => {
  test('the prefix stops at the first unsettled row; what is known about the rows after it is kept, in-doubt attempts included', async () => {
    const { csv, paths, campaign } = await campaignWithJournal('email\na@x.com\nb@x.com\nc@x.com\nd@x.com\n');

    const known = new Map([['d@x.com', 'deferred' as const]]);
    const tracker = new ProgressTracker({ known, prefixKeys: new AddressSet() }, isSettled);
    tracker.onOpen(fingerprintOf(await stat(csv)));
    const rows = ['a@x.com', 'b@x.com', 'c@x.com', 'd@x.com'];
    rows.forEach((key, index) => tracker.onRow({ line: index + 2, end: 6 + (index + 1) * 8, nextLine: index + 3, key, passed: false }));
    tracker.recorded('a@x.com', 'attempt');
    tracker.recorded('a@x.com', 'sent');
    tracker.recorded('b@x.com', 'attempt'); // in doubt: its outcome never came
    tracker.recorded('c@x.com', 'sent'); // out of order: behind an unsettled row
    await tracker.save(paths, campaign, 'id-1');

    const checkpoint = JSON.parse(await readFile(path.join(paths.dir, 'checkpoint.json'), 'utf8'));
    expect(checkpoint.prefix).toEqual({ offset: 14, line: 3, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(checkpoint.beyond).toEqual([
      ['b@x.com', 'attempt'],
      ['c@x.com', 'sent'],
      ['d@x.com', 'deferred'],
    ]);

    const progress = await loadProgress(paths, campaign, 'id-1', () => undefined);
    expect(progress.start).toMatchObject({ offset: 14, line: 3 });
    expect(progress.prefixKeys.has('a@x.com')).toBe(true);
    expect(progress.prefixKeys.has('b@x.com')).toBe(false);
    expect([...progress.known]).toEqual([
      ['b@x.com', 'attempt'],
      ['c@x.com', 'sent'],
      ['d@x.com', 'deferred'],
    ]);
    expect((await loadProgress(paths, campaign, 'another-campaign', () => undefined)).start).toBeUndefined();

    // Rows added after the prefix keep it; a change inside it does not.
    await appendFile(csv, 'e@x.com\n');
    expect((await loadProgress(paths, campaign, 'id-1', () => undefined)).start).toMatchObject({ offset: 14 });
    await writeFile(csv, 'email\nA@x.com\nb@x.com\nc@x.com\nd@x.com\ne@x.com\n');
    expect((await loadProgress(paths, campaign, 'id-1', () => undefined)).start).toBeUndefined();
  });

  test('no checkpoint when the list changed after the pass opened it', async () => {
    const { csv, paths, campaign } = await campaignWithJournal('email\na@x.com\nb@x.com\n');
    const tracker = new ProgressTracker({ known: new Map(), prefixKeys: new AddressSet() }, isSettled);
    tracker.onOpen(fingerprintOf(await stat(csv)));
    tracker.onRow({ line: 2, end: 14, nextLine: 3, key: 'a@x.com', passed: true });
    await writeFile(csv, 'email\nz@x.com\na@x.com\nb@x.com\n'); // a row inserted at the top meanwhile
    await tracker.save(paths, campaign, 'id-1');
    await expect(readFile(path.join(paths.dir, 'checkpoint.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
