/**
 * Complaints whose recipient is redacted (RFC 6590: Microsoft's and Yahoo's feedback loops replace the
 * address; only the original Message-ID identifies it), end to end over IMAP (Dovecot), the Gmail API and
 * Microsoft Graph: `bounces check` matches the Message-ID through the campaign's index, suppresses the
 * complainer as `complained`, writes it into the campaign's journal, and the report's complaint rate counts it.
 */
import { recipientsCsv, runCli, writeCampaign, type CampaignFixture } from './helpers/cli.js';
import { bounceFixture } from './helpers/bounces.js';
import { googleEnv, linkGoogle } from './helpers/google.js';
import { linkMicrosoft } from './helpers/graph.js';
import { addAccount, fileSecretsEnv, type Env } from './helpers/smtp.js';
import { describeWithDovecot, startDovecot } from './servers/dovecot.js';
import { startGmailSimulator } from './servers/gmail.js';
import { startGraphServer } from './servers/graph.js';
import { startSmtpServer } from './servers/smtp.js';
import { journalLines } from './helpers/journal.js';
import { reportJson } from './helpers/report.js';
import { runInProcess } from './helpers/in-process.js';

type ConfigEnv = Env & { MAILSHOT_CONFIG_DIR: string };

/** The redacted complaint about the message sent to r2, and one about a Message-ID mailshot never sent. */
async function complaints(sender: string, messageIdOf: (to: string) => string): Promise<Buffer[]> {
  const values = { recipient: 'unused', sender };
  return [
    await bounceFixture('arf-complaint-redacted.eml', { ...values, messageId: messageIdOf('r2@example.com') }),
    await bounceFixture('arf-complaint-redacted.eml', { ...values, messageId: '<never-sent-0001@example.com>' }),
  ];
}

async function expectComplaintMatched(env: ConfigEnv, account: string, campaign: CampaignFixture): Promise<void> {
  const checked = await runCli(['bounces', 'check', account, '--json'], { env });
  expect(checked.stderr).toBe('');
  expect(checked.code).toBe(0);
  const result = JSON.parse(checked.stdout);
  expect(result).toMatchObject({ messages: 2, counts: { complained: 1, unmatched: 1 } });
  expect(result.suppressed).toEqual([expect.objectContaining({ address: 'r2@example.com', reason: 'complained' })]);
  const list = JSON.parse((await runInProcess(['suppress', 'list', '--account', account, '--json'], { env })).stdout);
  expect(list.entries.map((entry: { address: string; reason: string }) => [entry.address, entry.reason])).toEqual([
    ['r2@example.com', 'complained'],
  ]);
  const journal = await journalLines(campaign.stateDir);
  expect(journal.filter((event) => event.ev === 'complained')).toEqual([
    expect.objectContaining({ ev: 'complained', to: 'r2@example.com', feedback: 'abuse' }),
  ]);
  const report = await reportJson(campaign.file, [], { env });
  expect(report.after_delivery).toMatchObject({ complained: 1, complaint_rate: 0.25 });
}

describeWithDovecot('redacted complaints over IMAP (Dovecot)', () => {
  test('matched by Message-ID alone: suppressed, in the journal, in the complaint rate', async () => {
    const user = 'sender@example.com';
    const password = 'imap-S3cret-25';
    const [smtp, imap] = await Promise.all([startSmtpServer({ auth: { user, pass: password } }), startDovecot({ user, password })]);
    try {
      const env = await fileSecretsEnv();
      const imapArgs = ['--imap-host', imap.host, '--imap-port', String(imap.port), '--imap-security', 'none'];
      await addAccount(env, 'smtp1', smtp, { user, password, args: imapArgs });
      const campaign = await writeCampaign({ csv: recipientsCsv(4), fields: { from: `Sender <${user}>` } });
      expect((await runCli(['campaign', 'send', campaign.file, '--via', 'smtp1'], { env })).code).toBe(0);
      await imap.deliver(await complaints(user, (to) => smtp.received.find((message) => message.to[0] === to)!.messageId!));
      await expectComplaintMatched(env, 'smtp1', campaign);
    } finally {
      await Promise.all([smtp.close(), imap.close()]);
    }
  });
});

describe('redacted complaints through the provider APIs', () => {
  test('Gmail: matched by Message-ID alone', async () => {
    const google = await startGmailSimulator();
    try {
      const env = googleEnv(google, await fileSecretsEnv());
      await linkGoogle(google, env, 'gmail', ['--read-mail']);
      const campaign = await writeCampaign({ csv: recipientsCsv(4), fields: { from: 'Sender <sender@example.com>' } });
      expect((await runCli(['campaign', 'send', campaign.file, '--via', 'gmail'], { env })).code).toBe(0);
      const idOf = (to: string) => google.accepted.find((message) => message.raw.toString().includes(`To: ${to}`))!.messageId;
      for (const raw of await complaints('sender@example.com', idOf)) google.deliverToInbox(raw);
      await expectComplaintMatched(env, 'gmail', campaign);
    } finally {
      await google.close();
    }
  });

  test('Microsoft Graph: matched by Message-ID alone', async () => {
    const graph = await startGraphServer();
    try {
      const { env, linked } = await linkMicrosoft(graph, 'work', ['--read-mail']);
      expect(linked.code).toBe(0);
      const campaign = await writeCampaign({ csv: recipientsCsv(4), fields: { from: `Megan <${graph.address}>` } });
      expect((await runCli(['campaign', 'send', campaign.file, '--via', 'work'], { env })).code).toBe(0);
      const idOf = (to: string) => graph.received.find((message) => message.to.includes(to))!.messageId!;
      for (const raw of await complaints(graph.address, idOf)) graph.deliverToInbox(raw);
      await expectComplaintMatched(env, 'work', campaign);
    } finally {
      await graph.close();
    }
  });
});
