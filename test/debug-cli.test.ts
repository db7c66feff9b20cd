import { addAccount, fileSecretsEnv, smtpServersPerTest } from './helpers/smtp.js';
import { runCli, writeCampaign } from './helpers/cli.js';

const password = 'Tr0ub4dor&3-secret-7731';
const startServer = smtpServersPerTest();

/** Every form in which a password could leak into a log line. */
function leaks(text: string): string[] {
  const forms = [password, Buffer.from(password).toString('base64'), Buffer.from(`\0me\0${password}`).toString('base64'), Buffer.from(`me\0${password}`).toString('base64')];
  return forms.filter((form) => text.includes(form));
}

describe('--debug', () => {
  test('shows the SMTP conversation with the AUTH line hidden; the password never shows', async () => {
    const server = await startServer({ auth: { user: 'me', pass: password } });
    const env = await fileSecretsEnv();
    await addAccount(env, 'work', server, { user: 'me', password });
    const campaign = await writeCampaign();
    const sent = await runCli(['campaign', 'send', campaign.file, '--via', 'work', '--debug'], { env });
    expect(sent.code).toBe(0);
    expect(sent.stderr).toMatch(/mailshot: debug: smtp work S: 220 /);
    expect(sent.stderr).toMatch(/mailshot: debug: smtp work C: AUTH (PLAIN|LOGIN) \[credentials hidden\]/);
    expect(sent.stderr).toContain('mailshot: debug: smtp work C: MAIL FROM:<sender@example.com>');
    expect(sent.stderr).toContain('mailshot: debug: smtp work C: RCPT TO:<ann@example.com>');
    expect(sent.stderr).toMatch(/^mailshot: sent ann@example\.com — 250/m); // --debug includes --verbose
    expect(leaks(sent.stderr + sent.stdout)).toEqual([]);

    const tested = await runCli(['accounts', 'test', 'work', '--debug'], { env });
    expect(tested.code).toBe(0);
    expect(tested.stderr).toMatch(/C: AUTH (PLAIN|LOGIN) \[credentials hidden\]/);
    expect(leaks(tested.stderr + tested.stdout)).toEqual([]);
  });

  test('without --debug nothing of the conversation is shown', async () => {
    const server = await startServer({ auth: { user: 'me', pass: password } });
    const env = await fileSecretsEnv();
    await addAccount(env, 'work', server, { user: 'me', password });
    const sent = await runCli(['campaign', 'send', (await writeCampaign()).file, '--via', 'work'], { env });
    expect(sent.code).toBe(0);
    expect(sent.stderr).not.toContain('debug:');
  });
});
