/** `bounces check` and `campaign cron --bounces` usage and settings errors, as processes (no mailbox needed). */
import { runCli, writeCampaign } from './helpers/cli.js';
import { addAccount, closedPort, fileSecretsEnv } from './helpers/smtp.js';
import { runInProcess } from './helpers/in-process.js';

describe('bounces check: usage and settings', () => {
  test('an unknown account and a bad --since exit 2; an unreachable IMAP server exits 1 naming the setting to change; nothing is written', async () => {
    const env = await fileSecretsEnv();
    const unknown = await runCli(['bounces', 'check', 'nope'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no account named "nope"');
    const port = await closedPort();
    await addAccount(
      env,
      'smtp1',
      { host: '127.0.0.1', port },
      {
        user: 'sender@example.com',
        password: 'pw',
        args: ['--imap-host', '127.0.0.1', '--imap-port', String(port), '--imap-security', 'none'],
      },
    );
    const badDate = await runCli(['bounces', 'check', 'smtp1', '--since', 'last tuesdayish'], { env });
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain('--since last tuesdayish: not a date');
    const unreachable = await runCli(['bounces', 'check', 'smtp1'], { env });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach IMAP 127\.0\.0\.1:\d+ \(none\).*mailshot accounts set smtp1 --imap-host H/);
    expect(unreachable.stderr).not.toContain('unexpected error');
    const listed = JSON.parse((await runInProcess(['accounts', 'list', '--json'], { env })).stdout);
    expect(listed[0].imap).toEqual({ host: '127.0.0.1', port, security: 'none' });
  });

  test("--imap-* default to the SMTP host's usual IMAP name with TLS on 993 once one is given; accounts set changes them", async () => {
    const env = await fileSecretsEnv();
    await addAccount(env, 'corp', { host: 'smtp.example.com', port: 587 }, { args: ['--imap-security', 'tls'] });
    const listed = JSON.parse((await runInProcess(['accounts', 'list', '--json'], { env })).stdout);
    expect(listed[0].imap).toEqual({ host: 'imap.example.com', port: 993, security: 'tls' });
    const set = await runCli(
      ['accounts', 'set', 'corp', '--imap-host', 'mail.example.org', '--imap-port', '143', '--imap-security', 'starttls'],
      { env },
    );
    expect(set.code).toBe(0);
    expect(set.stderr).toContain('mailbox of "corp": IMAP mail.example.org:143 (starttls)');
  });

  test('campaign cron --bounces ACCOUNT prints a second, hourly line for bounces check', async () => {
    const campaign = await writeCampaign();
    expect((await runCli(['campaign', 'send', campaign.file, '--limit', '1'])).code).toBe(75); // cron lines are for started campaigns
    const cron = await runInProcess(['campaign', 'cron', campaign.file, '--bounces', 'smtp1']);
    const lines = cron.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(' campaign resume ');
    expect(lines[1]).toMatch(
      /^17 \* \* \* \* PATH='[^']*' MAILSHOT_CONFIG_DIR='[^']+' .*MAILSHOT_LOG_TIMES='1' '[^']+' '[^']+bin\/mailshot\.js' bounces check 'smtp1' >> '[^']+bounces\.log' 2>&1$/,
    );
  });
});
