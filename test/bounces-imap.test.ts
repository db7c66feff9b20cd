/**
 * `bounces check` on an SMTP account's mailbox, end to end with real parts: a campaign sent through the
 * test SMTP server, real DSN, ARF, unsubscribe and out-of-office messages for some of its recipients put
 * into Dovecot's INBOX, then `bounces check` (a process) reads them over IMAP; the suppression list, the
 * journal and the report show it, and a second campaign to the same list skips exactly those recipients.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { recipientsCsv, runCli, writeCampaign } from './helpers/cli.js';
import { bounceFixture } from './helpers/bounces.js';
import { smtpWithMailbox, type SmtpWithMailbox } from './helpers/mailbox.js';
import { receivedCounts } from './helpers/smtp.js';
import { describeWithDovecot } from './servers/dovecot.js';
import { journalLines } from './helpers/journal.js';
import { reportJson } from './helpers/report.js';
import { runInProcess } from './helpers/in-process.js';

const user = 'sender@example.com';
const password = 'imap-S3cret-77';
const sender = 'sender@example.com';
const unsubscribe = 'unsubscribe@example.com';

type World = SmtpWithMailbox;

const world = (): Promise<World> => smtpWithMailbox(user, password);

async function close(w: World): Promise<void> {
  await Promise.all([w.smtp.close(), w.imap.close()]);
}

function campaignFields() {
  return { from: `Sender <${sender}>`, list_unsubscribe: { mailto: unsubscribe } };
}

describeWithDovecot('bounces check over IMAP (Dovecot)', () => {
  test('DSNs, a complaint and an unsubscribe suppress exactly those recipients; journal and report show it; a second campaign skips them', async () => {
    const w = await world();
    try {
      const first = await writeCampaign({ csv: recipientsCsv(8), fields: campaignFields() });
      const sent = await runCli(['campaign', 'send', first.file, '--via', 'smtp1'], { env: w.env });
      expect(sent.code).toBe(0);
      const idOf = (to: string) => w.smtp.received.find((message) => message.to[0] === to)!.messageId!;
      const values = (to: string) => ({ recipient: to, messageId: idOf(to), sender, unsubscribe });
      await w.imap.deliver([
        await bounceFixture('postfix-dsn-hard.eml', values('r1@example.com')),
        await bounceFixture('gmail-dsn-failure.eml', values('r2@example.com')),
        await bounceFixture('arf-complaint.eml', values('r3@example.com')),
        await bounceFixture('unsubscribe-mail.eml', values('r4@example.com')),
        await bounceFixture('out-of-office.eml', values('r5@example.com')),
        await bounceFixture('postfix-dsn-delayed.eml', values('r6@example.com')),
        await bounceFixture('qmail-failure.eml', values('r7@example.com')),
        await bounceFixture('postfix-dsn-hard.eml', { ...values('r0@example.com'), recipient: 'never-sent@example.com' }),
        await bounceFixture('malformed-report.eml', values('r0@example.com')),
        await bounceFixture('reply.eml', values('r0@example.com')),
      ]);

      const checked = await runCli(['bounces', 'check', 'smtp1', '--json'], { env: w.env });
      expect(checked.stderr).toBe('');
      expect(checked.code).toBe(0);
      const result = JSON.parse(checked.stdout);
      expect(result).toMatchObject({ identity: sender, messages: 10 });
      expect(result.counts).toEqual({
        bounced: 3,
        soft_bounced: 1,
        complained: 1,
        unsubscribed: 1,
        auto_replies: 1,
        other: 1,
        unmatched: 1,
        malformed: 1,
        too_large: 0,
      });
      expect(result.unmatched.map((entry: { why: string }) => entry.why).join('\n')).toMatch(/never-sent@example\.com/);

      const again = await runCli(['bounces', 'check', 'smtp1', '--json'], { env: w.env });
      expect(JSON.parse(again.stdout)).toMatchObject({ messages: 0, suppressed: [] });

      const list = JSON.parse((await runInProcess(['suppress', 'list', '--account', 'smtp1', '--json'], { env: w.env })).stdout);
      expect(Object.fromEntries(list.entries.map((entry: { address: string; reason: string }) => [entry.address, entry.reason]))).toEqual({
        'r1@example.com': 'bounced',
        'r2@example.com': 'bounced',
        'r3@example.com': 'complained',
        'r4@example.com': 'unsubscribed',
        'r7@example.com': 'bounced',
      });

      const journal = await journalLines(first.stateDir);
      const after = journal
        .filter((event) => ['bounced', 'complained', 'unsubscribed'].includes(event.ev))
        .map((event) => [event.ev, event.to, event.status ?? event.feedback ?? '']);
      expect(after).toEqual([
        ['bounced', 'r1@example.com', '5.1.1'],
        ['bounced', 'r2@example.com', '5.1.1'],
        ['complained', 'r3@example.com', 'abuse'],
        ['bounced', 'r6@example.com', '4.2.2'],
        ['bounced', 'r7@example.com', '5.1.1'],
        ['unsubscribed', 'r4@example.com', ''], // the unsubscribe mail names no message: matched through the campaign's unsubscribe address and its journal
      ]);

      const report = await reportJson(first.file, [], { env: w.env });
      expect(report.totals).toMatchObject({ sent: 8, failed: 0 });
      expect(report.after_delivery).toEqual({
        bounced: 3,
        soft_bounced: 1,
        complained: 1,
        unsubscribed: 1,
        bounce_rate: 0.375,
        complaint_rate: 0.125,
      });
      expect(report.recipients.find((outcome: { recipient: string }) => outcome.recipient === 'r1@example.com')).toMatchObject({
        status: 'sent',
        after: { event: 'bounced', hard: true, status: '5.1.1', detail: expect.stringMatching(/User unknown/) },
      });
      const table = await runInProcess(['report', first.file], { env: w.env });
      expect(table.stdout).toContain('Delivered, then bounced (4):');
      expect(table.stdout).toMatch(/r1@example\.com — 5\.1\.1 550 5\.1\.1/);
      expect(table.stdout).toContain('37.5 % of sent');
      const csv = (await runInProcess(['report', first.file, '--format', 'csv'], { env: w.env })).stdout;
      expect(csv.split('\n')[0]).toBe(
        'recipient,status,line,reason,code,detail,at,cc,bcc,refused_copies,after_delivery,after_status,after_detail,after_at',
      );
      expect(csv).toMatch(/^r1@example\.com,sent,.*,bounced,5\.1\.1,/m);
      expect(csv).toMatch(/^r6@example\.com,sent,.*,soft_bounced,4\.2\.2,/m);
      const htmlFile = path.join(first.dir, 'report.html');
      expect((await runInProcess(['report', first.file, '--format', 'html', '--output', htmlFile], { env: w.env })).code).toBe(0);
      const page = await readFile(htmlFile, 'utf8');
      expect(page).toContain('data-bounce-rate="0.375" data-complaint-rate="0.125"');
      expect(page).toContain('Delivered, then complained (1)');
      const status = await runInProcess(['campaign', 'status', first.file], { env: w.env });
      expect(status.stderr + status.stdout).toMatch(/hard-bounce rate 37\.5 % is above 2 %/);

      // a second campaign to the same list: the five suppressed are skipped, everyone else is sent to
      const second = await writeCampaign({ csv: recipientsCsv(8), fields: campaignFields() });
      const validated = await runInProcess(['campaign', 'validate', second.file, '--via', 'smtp1'], { env: w.env });
      expect(validated.stdout).toContain('5 of them suppressed');
      const before = w.smtp.received.length;
      expect((await runCli(['campaign', 'send', second.file, '--via', 'smtp1'], { env: w.env })).code).toBe(0);
      const secondRun = w.smtp.received
        .slice(before)
        .map((message) => message.to[0])
        .sort();
      expect(secondRun).toEqual(['r0@example.com', 'r5@example.com', 'r6@example.com']);
      const secondReport = await reportJson(second.file, [], { env: w.env });
      expect(secondReport.skipped_by_reason).toEqual({ suppressed: 5 });
      expect(Object.fromEntries(receivedCounts(w.smtp))['r0@example.com']).toBe(2);
    } finally {
      await close(w);
    }
  });
});
