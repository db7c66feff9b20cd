/**
 * Reading the sending mailbox's messages (src/bounces/): each real-world form in test/fixtures/bounces/
 * classified and matched to the message mailshot sent through its deterministic Message-ID, and what
 * that does to the suppression list and the campaign's journal. In-process: the decisions.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from './helpers/cli.js';
import { bounceFixture } from './helpers/bounces.js';
import { messageIdFor } from '../src/campaign/compose.js';
import { MailboxProcessor } from '../src/bounces/process.js';
import { SuppressionList } from '../src/suppress/list.js';
import type { IndexedCampaign } from '../src/bounces/campaign-index.js';
import { journalFile, journalLines } from './helpers/journal.js';

const sender = 'sender@example.com';
const recipient = 'ann@example.org';

async function setup() {
  const config = await tempDir('mailshot-bounce-config-');
  process.env.MAILSHOT_CONFIG_DIR = config;
  const stateDir = path.join(await tempDir(), '.mailshot', 'campaign');
  await mkdir(stateDir, { recursive: true });
  await writeFile(journalFile(stateDir), JSON.stringify({ ev: 'sent', to: recipient, at: 1, reply: '250 ok' }) + '\n');
  const campaign: IndexedCampaign = {
    campaignId: 'c0ffee00-1111-2222-3333-444455556666',
    campaignFile: '/x/campaign.yaml',
    stateDir,
    from: sender,
    unsubscribeMailto: 'unsubscribe@example.com',
  };
  const list = await SuppressionList.open(sender);
  const processor = new MailboxProcessor([campaign], list);
  const values = { recipient, sender, messageId: messageIdFor(campaign.campaignId, recipient, sender) };
  const journal = () => journalLines(stateDir);
  return { processor, list, values, journal };
}

describe('bounces: what each message is and whom it concerns', () => {
  test.each([
    ['postfix-dsn-hard.eml', '5.1.1', /User unknown/],
    ['gmail-dsn-failure.eml', '5.1.1', /does not exist/],
    ['exchange-ndr.eml', '5.1.10', /RESOLVER\.ADR\.RecipientNotFound/],
    ['exim-failed.eml', '5.1.1', /User unknown/],
    ['exim-plain.eml', '5.0.0', /550 No such user here/],
    ['qmail-failure.eml', '5.1.1', /no mailbox here/],
  ])('%s: a hard bounce suppresses the recipient and records "bounced" in the journal', async (fixture, status, diagnostic) => {
    const s = await setup();
    await s.processor.handle({ key: 'imap:1:1', size: 1000, raw: await bounceFixture(fixture, s.values) });
    expect(s.processor.summary.counts).toMatchObject({ bounced: 1, unmatched: 0, malformed: 0 });
    expect(s.list.get(recipient)).toMatchObject({ reason: 'bounced' });
    const bounced = (await s.journal()).find((event) => event.ev === 'bounced');
    expect(bounced).toMatchObject({ to: recipient, hard: true, status });
    expect(bounced!.diagnostic).toMatch(diagnostic);
  });

  test('a delayed (4.x.x) DSN is recorded as a soft bounce and suppresses nobody; the same message twice counts once', async () => {
    const s = await setup();
    const raw = await bounceFixture('postfix-dsn-delayed.eml', s.values);
    await s.processor.handle({ key: 'imap:1:7', size: raw.length, raw });
    await s.processor.handle({ key: 'imap:1:7', size: raw.length, raw });
    expect(s.list.get(recipient)).toBeUndefined();
    expect((await s.journal()).find((event) => event.ev === 'bounced')).toMatchObject({ hard: false, status: '4.2.2' });
    await s.processor.handle({ key: 'imap:1:8', size: raw.length, raw });
    expect(s.list.get(recipient)).toBeUndefined();
    await s.processor.handle({ key: 'imap:1:9', size: raw.length, raw });
    expect(s.list.get(recipient)).toMatchObject({ reason: 'bounced', detail: expect.stringMatching(/^3 soft bounces/) });
  });

  test('an ARF complaint suppresses as complained; an unsubscribe mail as unsubscribed', async () => {
    const s = await setup();
    await s.processor.handle({ key: 'a', size: 1, raw: await bounceFixture('arf-complaint.eml', s.values) });
    expect(s.list.get(recipient)).toMatchObject({ reason: 'complained' });
    expect((await s.journal()).find((event) => event.ev === 'complained')).toMatchObject({ to: recipient, feedback: 'abuse' });
    const t = await setup();
    await t.processor.handle({
      key: 'b',
      size: 1,
      raw: await bounceFixture('unsubscribe-mail.eml', { ...t.values, recipient: 'Bob@Example.org' }),
    });
    expect(t.list.get('bob@example.org')).toMatchObject({ reason: 'unsubscribed' });
    expect(t.processor.summary.counts.unsubscribed).toBe(1);
  });

  test('an out-of-office and an ordinary reply suppress nobody', async () => {
    const s = await setup();
    await s.processor.handle({ key: 'o', size: 1, raw: await bounceFixture('out-of-office.eml', s.values) });
    await s.processor.handle({ key: 'r', size: 1, raw: await bounceFixture('reply.eml', s.values) });
    expect(s.processor.summary.counts).toMatchObject({ auto_replies: 1, other: 1, bounced: 0 });
    expect(s.list.size).toBe(0);
    expect((await s.journal()).length).toBe(1);
  });

  test('bad input: a malformed report, a bounce for an address never sent to, a forged Message-ID, an oversized message — counted and listed, nothing suppressed', async () => {
    const s = await setup();
    await s.processor.handle({ key: 'm', size: 1, raw: await bounceFixture('malformed-report.eml', s.values) });
    await s.processor.handle({
      key: 'n',
      size: 1,
      raw: await bounceFixture('postfix-dsn-hard.eml', { ...s.values, recipient: 'never@example.org' }),
    });
    // the right Message-ID, but a report naming someone else: the hash does not match that address
    const forged = (await bounceFixture('postfix-dsn-hard.eml', s.values)).toString().replaceAll(recipient, 'victim@example.org');
    await s.processor.handle({ key: 'f', size: 1, raw: Buffer.from(forged) });
    await s.processor.handle({ key: 'big', size: 26 * 1024 * 1024 });
    await s.processor.handle({ key: 'junk', size: 5, raw: Buffer.from('\x00\x01\x02garbage') });
    expect(s.processor.summary.counts).toMatchObject({ malformed: 1, unmatched: 2, too_large: 1, bounced: 0 });
    expect(s.processor.summary.unmatched.map((entry) => entry.message)).toEqual(['m', 'n', 'f', 'big']);
    expect(s.processor.summary.unmatched[1].why).toContain('never@example.org');
    expect(s.list.size).toBe(0);
    expect((await s.journal()).length).toBe(1);
  });
});
