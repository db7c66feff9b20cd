/**
 * `campaign test --check` against real Dovecot: the test message goes out through the test SMTP server;
 * the test then plays the receiving server, putting the message into the INBOX or into Junk with the
 * Authentication-Results header a receiving server adds. mailshot, waiting in the mailbox, says where it
 * landed and what the header says; a message that never arrives ends the bounded wait with a clear line.
 */
import { collect, startCli, writeCampaign } from './helpers/cli.js';
import { addAccount, fileSecretsEnv, until, type Env } from './helpers/smtp.js';
import { describeWithDovecot, startDovecot, type DovecotServer } from './servers/dovecot.js';
import { startSmtpServer, type SmtpTestServer } from './servers/smtp.js';

const user = 'sender@example.com';
const password = 'imap-S3cret-25c';

interface World {
  smtp: SmtpTestServer;
  imap: DovecotServer;
  env: Env;
  file: string;
}

async function world(): Promise<World> {
  const [smtp, imap] = await Promise.all([startSmtpServer({ auth: { user, pass: password } }), startDovecot({ user, password })]);
  const env = await fileSecretsEnv();
  await addAccount(env, 'smtp1', smtp, {
    user,
    password,
    args: ['--imap-host', imap.host, '--imap-port', String(imap.port), '--imap-security', 'none'],
  });
  const { file } = await writeCampaign({ fields: { from: 'News <news@own.test>' } });
  return { smtp, imap, env, file };
}

/** Runs `campaign test --check`; when the message reaches the SMTP server, `receive` plays the receiving side. */
async function testWithCheck(w: World, timeout: number, receive?: (raw: Buffer) => Promise<void>) {
  const before = w.smtp.received.length;
  const child = startCli(['campaign', 'test', w.file, '--to', user, '--via', 'smtp1', '--check', '--check-timeout', String(timeout)], {
    env: w.env,
  });
  const done = collect(child);
  if (receive) {
    expect(await until(() => w.smtp.received.length > before, 30_000)).toBe(true);
    await receive(w.smtp.received[before]!.raw);
  }
  return done;
}

const withResults = (raw: Buffer, results: string) => Buffer.concat([Buffer.from(`Authentication-Results: ${results}\r\n`), raw]);

describeWithDovecot('campaign test --check (Dovecot)', () => {
  test('landed in the INBOX with spf, dkim and dmarc passing; in Junk with dmarc failing; not at all', async () => {
    const w = await world();
    try {
      const inbox = await testWithCheck(w, 60, (raw) =>
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

      const junk = await testWithCheck(w, 60, (raw) =>
        w.imap.deliver(
          [withResults(raw, 'mx.receiver.test; spf=softfail smtp.mailfrom=news@own.test; dkim=none; dmarc=fail header.from=own.test')],
          'Junk',
        ),
      );
      expect(junk.stdout).toBe(
        'Landed in Junk (spam)\n  spf=softfail (smtp.mailfrom=news@own.test)\n  dkim=none\n  dmarc=fail (header.from=own.test)\n',
      );
      expect(junk.code).toBe(1);

      const lost = await testWithCheck(w, 1);
      expect(lost.stdout).toMatch(/^The test message to sender@example\.com did not arrive in 1 s \(INBOX and Junk of "smtp1"\)/);
      expect(lost.code).toBe(1);
    } finally {
      await Promise.all([w.smtp.close(), w.imap.close()]);
    }
  });
});
