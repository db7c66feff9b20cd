import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { addAccount, fileSecretsEnv, smtpServersPerTest, until } from './helpers/smtp.js';
import { startGmailSimulator, type GmailSimulator } from './servers/gmail.js';
import { startGraphServer, testClientId, type GraphTestServer } from './servers/graph.js';
import { collect, runCli, startCli, writeCampaign } from './helpers/cli.js';
import { graphEnv } from './helpers/graph.js';

const password = 'Tr0ub4dor&3-secret-7731';
const startServer = smtpServersPerTest();

/** Every form in which a password could leak into a log line. */
function leaks(text: string): string[] {
  const forms = [
    password,
    Buffer.from(password).toString('base64'),
    Buffer.from(`\0me\0${password}`).toString('base64'),
    Buffer.from(`me\0${password}`).toString('base64'),
  ];
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

describe('--debug with Microsoft Graph', () => {
  let graph: GraphTestServer | undefined;
  afterEach(async () => graph?.close());

  test('each sign-in and Graph exchange is a line; no token or Authorization header ever shows', async () => {
    graph = await startGraphServer();
    const env = await graphEnv(graph);
    const linked = await runCli(
      ['accounts', 'add', 'microsoft', 'office', '--client-id', testClientId, '--device-code', '--rate', '50/s', '--debug'],
      { env },
    );
    expect(linked.code).toBe(0);
    expect(linked.stderr).toMatch(/mailshot: debug: microsoft sign-in POST https:\/\/127\.0\.0\.1:\d+\/\S+ → 200/);
    const campaign = await writeCampaign({ fields: { via: 'office', from: `Megan <${graph.address}>` } });
    const sent = await runCli(['campaign', 'send', campaign.file, '--debug'], { env });
    expect(sent.code).toBe(0);
    expect(sent.stderr).toMatch(/mailshot: debug: graph POST https:\/\/127\.0\.0\.1:\d+\/\S*sendMail → 202/);
    // Every secret mailshot holds for the account (MSAL's cache: access and refresh tokens) stays out of the output.
    const secrets = JSON.stringify(JSON.parse(await readFile(path.join(env.MAILSHOT_CONFIG_DIR, 'secrets.json'), 'utf8')));
    const tokens = [...secrets.matchAll(/"secret\\?":\\?"([^"\\]{16,})/g)].map((match) => match[1]);
    expect(tokens.length).toBeGreaterThan(0);
    for (const output of [linked.stderr, sent.stderr]) {
      expect(output).not.toMatch(/authorization|bearer/i);
      for (const token of tokens) expect(output).not.toContain(token);
    }
  });
});

describe('--debug with the Gmail API', () => {
  let google: GmailSimulator | undefined;
  afterEach(async () => google?.close());

  test('each Gmail API exchange is a line, without the token', async () => {
    google = await startGmailSimulator();
    const env = { ...(await fileSecretsEnv()), ...google.env, GOOGLE_CLIENT_SECRET: google.client.secret };
    const child = startCli(
      [
        'accounts',
        'add',
        'google',
        'gmail',
        '--client-id',
        google.client.id,
        '--client-secret-env',
        'GOOGLE_CLIENT_SECRET',
        '--no-browser',
        '--rate',
        '100/s',
      ],
      { env },
    );
    const done = collect(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await until(() => /http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?\S+/.test(stderr), 10_000);
    const authUrl = /http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?\S+/.exec(stderr)![0];
    const consent = await fetch(authUrl, { redirect: 'manual' });
    await fetch(consent.headers.get('location')!);
    expect((await done).code).toBe(0);

    const campaign = await writeCampaign({ fields: { via: 'gmail', from: 'sender@example.com' } });
    const sent = await runCli(['campaign', 'send', campaign.file, '--debug'], { env });
    expect(sent.code).toBe(0);
    expect(sent.stderr).toMatch(/mailshot: debug: gmail POST http:\/\/127\.0\.0\.1:\d+\/\S*messages\/send → 200/);
    const secret = JSON.parse(JSON.parse(await readFile(path.join(env.MAILSHOT_CONFIG_DIR, 'secrets.json'), 'utf8')).gmail);
    const refresh = JSON.stringify(secret).match(/"refresh_?[tT]oken":"([^"]+)"/)?.[1];
    expect(refresh).toBeTruthy();
    expect(sent.stderr).not.toContain(refresh!);
    expect(sent.stderr).not.toMatch(/authorization|bearer/i);
  });
});
