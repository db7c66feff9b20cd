/**
 * `bounces check` on Gmail and Microsoft 365 accounts, end to end through the local simulators: a campaign
 * sent through the Gmail API / Graph, real DSN, ARF and unsubscribe messages for some recipients delivered
 * into the simulated Inbox, `bounces check` reads them (messages.list + messages.get format=raw; the
 * Inbox's messages + /$value), suppresses exactly those recipients, and a second campaign skips them.
 * Accounts linked without --read-mail are told how to fix it.
 */
import { recipientsCsv, runCli, writeCampaign } from './helpers/cli.js';
import { bounceFixture } from './helpers/bounces.js';
import { linkGoogle } from './helpers/google.js';
import { fileSecretsEnv, type Env } from './helpers/smtp.js';
import { startGmailSimulator } from './servers/gmail.js';
import { startGraphServer, testClientId, type GraphTestServer } from './servers/graph.js';
import { graphEnv } from './helpers/graph.js';
import { reportJson } from './helpers/report.js';
import { runInProcess } from './helpers/in-process.js';

type ConfigEnv = Env & { MAILSHOT_CONFIG_DIR: string };
const unsubscribe = 'unsubscribe@example.com';

/** The bounces of the scenario, for the messages the provider accepted (Message-ID per recipient). */
async function scenario(sender: string, messageIdOf: (to: string) => string): Promise<Buffer[]> {
  const values = (to: string) => ({ recipient: to, messageId: messageIdOf(to), sender, unsubscribe });
  return [
    await bounceFixture('gmail-dsn-failure.eml', values('r1@example.com')),
    await bounceFixture('exchange-ndr.eml', values('r2@example.com')),
    await bounceFixture('arf-complaint.eml', values('r3@example.com')),
    await bounceFixture('unsubscribe-mail.eml', values('r4@example.com')),
    await bounceFixture('out-of-office.eml', values('r0@example.com')),
    await bounceFixture('exim-failed.eml', { ...values('r0@example.com'), recipient: 'stranger@example.com' }),
  ];
}

async function expectScenario(env: ConfigEnv, account: string, campaignFile: string): Promise<void> {
  const checked = await runCli(['bounces', 'check', account, '--json'], { env });
  expect(checked.stderr).toBe('');
  expect(checked.code).toBe(0);
  expect(JSON.parse(checked.stdout)).toMatchObject({
    messages: 6,
    counts: { bounced: 2, complained: 1, unsubscribed: 1, auto_replies: 1, unmatched: 1 },
  });
  expect(JSON.parse((await runCli(['bounces', 'check', account, '--json'], { env })).stdout).messages).toBe(0);
  const list = JSON.parse((await runInProcess(['suppress', 'list', '--account', account, '--json'], { env })).stdout);
  expect(Object.fromEntries(list.entries.map((entry: { address: string; reason: string }) => [entry.address, entry.reason]))).toEqual({
    'r1@example.com': 'bounced',
    'r2@example.com': 'bounced',
    'r3@example.com': 'complained',
    'r4@example.com': 'unsubscribed',
  });
  const report = await reportJson(campaignFile, [], { env });
  expect(report.after_delivery).toMatchObject({ bounced: 2, complained: 1, bounce_rate: 0.4 });
}

describe('bounces check through the provider APIs', () => {
  test('Gmail: messages.list + messages.get format=raw; exactly the bounced, complaining and unsubscribed recipients are skipped next time', async () => {
    const google = await startGmailSimulator();
    try {
      const env = { ...(await fileSecretsEnv()), ...google.env, GOOGLE_CLIENT_SECRET: google.client.secret };
      await linkGoogle(google, env, 'plain', []);
      const refused = await runCli(['bounces', 'check', 'plain'], { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('linked without permission to read mail; link it again with --read-mail');
      await runCli(['accounts', 'remove', 'plain'], { env });
      await linkGoogle(google, env, 'gmail', ['--read-mail']);
      const fields = { from: 'Sender <sender@example.com>', list_unsubscribe: { mailto: unsubscribe } };
      const first = await writeCampaign({ csv: recipientsCsv(5), fields });
      expect((await runCli(['campaign', 'send', first.file, '--via', 'gmail'], { env })).code).toBe(0);
      const idOf = (to: string) => google.accepted.find((message) => message.raw.toString().includes(`To: ${to}`))!.messageId;
      for (const raw of await scenario('sender@example.com', idOf)) google.deliverToInbox(raw);
      await expectScenario(env, 'gmail', first.file);
      const second = await writeCampaign({ csv: recipientsCsv(5), fields });
      const before = google.accepted.length;
      expect((await runCli(['campaign', 'send', second.file, '--via', 'gmail'], { env })).code).toBe(0);
      expect(
        google.accepted
          .slice(before)
          .map((message) => /^To: (\S+)/m.exec(message.raw.toString())![1])
          .sort(),
      ).toEqual(['r0@example.com']);
    } finally {
      await google.close();
    }
  });

  test('Microsoft Graph: the Inbox since the last check + /$value; the same suppressions; a second campaign skips them', async () => {
    const graph: GraphTestServer = await startGraphServer();
    try {
      const env = await graphEnv(graph);
      const linked = await runCli(
        ['accounts', 'add', 'microsoft', 'work', '--client-id', testClientId, '--device-code', '--read-mail', '--rate', '50/s'],
        { env },
      );
      expect(linked.code).toBe(0);
      const fields = { from: `Megan <${graph.address}>`, list_unsubscribe: { mailto: unsubscribe } };
      const first = await writeCampaign({ csv: recipientsCsv(5), fields });
      expect((await runCli(['campaign', 'send', first.file, '--via', 'work'], { env })).code).toBe(0);
      const idOf = (to: string) => graph.received.find((message) => message.to.includes(to))!.messageId!;
      for (const raw of await scenario(graph.address, idOf)) graph.deliverToInbox(raw);
      await expectScenario(env, 'work', first.file);
      const second = await writeCampaign({ csv: recipientsCsv(5), fields });
      const before = graph.received.length;
      expect((await runCli(['campaign', 'send', second.file, '--via', 'work'], { env })).code).toBe(0);
      expect(graph.received.slice(before).flatMap((message) => message.to)).toEqual(['r0@example.com']);
    } finally {
      await graph.close();
    }
  });
});
