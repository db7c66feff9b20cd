/**
 * `campaign test --check` against real Dovecot: the test message goes out through the test SMTP server;
 * the test then plays the receiving server, putting the message into the INBOX or into Junk with the
 * Authentication-Results header a receiving server adds. mailshot, waiting in the mailbox, says where it
 * landed and what the header says; a message that never arrives ends the bounded wait with a clear line.
 */
import { collect, startCli, writeCampaign } from './helpers/cli.js';
import { googleEnv, linkGoogle } from './helpers/google.js';
import { linkMicrosoft } from './helpers/graph.js';
import { smtpWithMailbox } from './helpers/mailbox.js';
import { fileSecretsEnv, until, type Env } from './helpers/smtp.js';
import { describeWithDovecot, type DovecotServer } from './servers/dovecot.js';
import type { SmtpTestServer } from './servers/smtp.js';
import { startGmailSimulator } from './servers/gmail.js';
import { startGraphServer } from './servers/graph.js';

const user = 'sender@example.com';
const password = 'imap-S3cret-25c';

interface World {
  smtp: SmtpTestServer;
  imap: DovecotServer;
  env: Env;
  file: string;
}

async function world(): Promise<World> {
  const servers = await smtpWithMailbox(user, password);
  const { file } = await writeCampaign({ fields: { from: 'News <news@own.test>' } });
  return { ...servers, file };
}

interface Sender {
  env: Env;
  file: string;
  account: string;
  /** Left out: `--check` sends to the account's own address. */
  to?: string;
  /** The messages the sending server accepted so far, raw. */
  sent: () => Buffer[];
}

/** Runs `campaign test --check`; when the message reaches the sending server, `receive` plays the receiving side. */
async function testWithCheck(s: Sender, timeout: number, receive?: (raw: Buffer) => unknown) {
  const before = s.sent().length;
  const to = s.to ? ['--to', s.to] : [];
  const args = ['campaign', 'test', s.file, ...to, '--via', s.account, '--check', '--check-timeout', String(timeout)];
  const child = startCli(args, { env: s.env });
  const done = collect(child);
  if (receive) {
    await until(() => s.sent().length > before || child.exitCode !== null, 30_000);
    if (s.sent().length === before) throw new Error(`the test message was not sent: ${JSON.stringify(await done)}`);
    await receive(s.sent()[before]!);
  }
  return done;
}

const withResults = (raw: Buffer, results: string) => Buffer.concat([Buffer.from(`Authentication-Results: ${results}\r\n`), raw]);

/** What a receiving server writes when everything passes for `domain`, and how mailshot prints it. */
const passing = (domain: string) =>
  `mx.receiver.test; spf=pass smtp.mailfrom=news@${domain}; dkim=pass header.d=${domain}; dmarc=pass header.from=${domain}`;
const passingText = (domain: string) =>
  `  spf=pass (smtp.mailfrom=news@${domain})\n  dkim=pass (header.d=${domain})\n  dmarc=pass (header.from=${domain})\n`;
const failing = (domain: string) =>
  `mx.receiver.test; spf=softfail smtp.mailfrom=news@${domain}; dkim=none; dmarc=fail header.from=${domain}`;
const failingText = (domain: string) =>
  `  spf=softfail (smtp.mailfrom=news@${domain})\n  dkim=none\n  dmarc=fail (header.from=${domain})\n`;

describeWithDovecot('campaign test --check (Dovecot)', () => {
  test('landed in the INBOX with spf, dkim and dmarc passing; in Junk with dmarc failing; not at all', async () => {
    const w = await world();
    const s: Sender = { env: w.env, file: w.file, account: 'smtp1', to: user, sent: () => w.smtp.received.map((message) => message.raw) };
    try {
      const inbox = await testWithCheck(s, 60, (raw) =>
        w.imap.deliver([
          withResults(
            raw,
            'mx.receiver.test;\r\n spf=pass (sender IP is 127.0.0.1) smtp.mailfrom=news@own.test;\r\n dkim=pass header.d=own.test; dmarc=pass (p=reject) header.from=own.test',
          ),
        ]),
      );
      expect(inbox.stderr).toContain('waiting up to 60 s for the test message in the mailbox of "smtp1"');
      expect(inbox.stdout).toBe(
        'Landed in INBOX\n  spf=pass (smtp.mailfrom=news@own.test)\n  dkim=pass (header.d=own.test)\n  dmarc=pass (header.from=own.test)\n',
      );
      expect(inbox.code).toBe(0);

      const junk = await testWithCheck(s, 60, (raw) =>
        w.imap.deliver(
          [withResults(raw, 'mx.receiver.test; spf=softfail smtp.mailfrom=news@own.test; dkim=none; dmarc=fail header.from=own.test')],
          'Junk',
        ),
      );
      expect(junk.stdout).toBe(
        'Landed in Junk: marked as spam\n  spf=softfail (smtp.mailfrom=news@own.test)\n  dkim=none\n  dmarc=fail (header.from=own.test)\n',
      );
      expect(junk.code).toBe(1);

      // Without --to, the test goes to the account's own address (the SMTP user name here), and only there.
      const lost = await testWithCheck({ ...s, to: undefined }, 1);
      expect(lost.stdout).toMatch(/^The test message to sender@example\.com did not arrive in 1 s \(Inbox and spam of "smtp1"\)/);
      expect(lost.code).toBe(1);
      expect(w.smtp.received.at(-1)!.to).toEqual([user]);
      const nowhere = await collect(startCli(['campaign', 'test', w.file, '--via', 'smtp1'], { env: w.env }));
      expect(nowhere.code).toBe(2);
      expect(nowhere.stderr).toContain('--to: say where the test goes');
    } finally {
      await Promise.all([w.smtp.close(), w.imap.close()]);
    }
  });
});

describe('campaign test --check through the provider APIs', () => {
  test('Gmail: in:anywhere rfc822msgid, then INBOX or SPAM by label', async () => {
    const google = await startGmailSimulator();
    try {
      const env = googleEnv(google, await fileSecretsEnv());
      await linkGoogle(google, env, 'gmail', ['--read-mail']);
      const domain = 'own.test';
      const { file } = await writeCampaign({ fields: { from: 'News <news@own.test>' } });
      const s: Sender = { env, file, account: 'gmail', to: 'me@own.test', sent: () => google.accepted.map((message) => message.raw) };
      const inbox = await testWithCheck(s, 60, (raw) => google.deliverToInbox(withResults(raw, passing(domain))));
      expect(inbox.stdout).toBe(`Landed in INBOX\n${passingText(domain)}`);
      expect(inbox.code).toBe(0);
      const spam = await testWithCheck(s, 60, (raw) => google.deliverToSpam(withResults(raw, failing(domain))));
      expect(spam.stdout).toBe(`Landed in Spam: marked as spam\n${failingText(domain)}`);
      expect(spam.code).toBe(1);
    } finally {
      await google.close();
    }
  });

  test('Microsoft Graph: the Inbox, then Junk Email, by internetMessageId', async () => {
    const graph = await startGraphServer();
    try {
      const { env, linked } = await linkMicrosoft(graph, 'work', ['--read-mail']);
      expect(linked.code).toBe(0);
      const domain = graph.address.slice(graph.address.indexOf('@') + 1);
      const { file } = await writeCampaign({ fields: { from: `Megan <${graph.address}>` } });
      const s: Sender = { env, file, account: 'work', to: graph.address, sent: () => graph.received.map((message) => message.raw) };
      const inbox = await testWithCheck(s, 60, (raw) => graph.deliverToInbox(withResults(raw, passing(domain))));
      expect(inbox.stdout).toBe(`Landed in Inbox\n${passingText(domain)}`);
      expect(inbox.code).toBe(0);
      const junk = await testWithCheck(s, 60, (raw) => graph.deliverToJunk(withResults(raw, failing(domain))));
      expect(junk.stdout).toBe(`Landed in Junk Email: marked as spam\n${failingText(domain)}`);
      expect(junk.code).toBe(1);
    } finally {
      await graph.close();
    }
  });
});
