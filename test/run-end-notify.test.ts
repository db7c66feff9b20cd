/**
 * The run's end as the person hears of it (--notify-command): a campaign stopped in the middle by its
 * credentials reports what it sent before the stop, not "sent 0".
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { recipientsCsv, runCli, tempDir, writeCampaign } from './helpers/cli.js';
import { addAccount, fileSecretsEnv, until } from './helpers/smtp.js';
import { startSmtpServer, type SmtpTestServer } from './servers/smtp.js';

const user = 'sender@example.com';

test('an auth stop mid-run: exit 1, and the notification counts the messages sent before it', async () => {
  const auth = { user, pass: 'first-password' };
  // The password changes once 4 messages are in: the 3rd connection (2 messages each) cannot sign in.
  const server: SmtpTestServer = await startSmtpServer({
    auth,
    replies: () => {
      if (server.received.length >= 4) auth.pass = 'the-new-password';
      return undefined;
    },
  });
  try {
    const env = await fileSecretsEnv();
    await addAccount(env, 'smtp1', server, { user, password: auth.pass, args: ['--max-concurrent', '1', '--per-connection', '2'] });
    const campaign = await writeCampaign({ csv: recipientsCsv(10) });
    const out = path.join(await tempDir('mailshot-notify-'), 'notice.txt');
    const notify = `echo "$MAILSHOT_EVENT $MAILSHOT_SENT $MAILSHOT_FAILED $MAILSHOT_DEFERRED" > '${out}'`;
    const sent = await runCli(['campaign', 'send', campaign.file, '--via', 'smtp1', '--notify-command', notify], { env });
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain('535 5.7.8');
    const delivered = server.received.length;
    expect(delivered).toBeGreaterThanOrEqual(4);
    await until(() => noticeText(out).endsWith('\n'), 5000);
    const [event, sentCount, failed] = noticeText(out).trim().split(' ');
    expect(event).toBe('stopped');
    expect(Number(sentCount)).toBe(delivered);
    expect(failed).toBe('0');
  } finally {
    await server.close();
  }
});

/** The notice the command wrote ('' until it has). */
function noticeText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
