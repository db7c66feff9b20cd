/**
 * A server that echoes what it was sent for AUTH (some servers and proxies quote a refused command) must not
 * carry the password anywhere: not on stderr or stdout (--json, --debug), not in the state or config folder,
 * not in any report format, not in the environment of --notify-command. The same for an IMAP server quoting
 * the sign-in it refuses and for Graph quoting the access token.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, tempDir, writeCampaign } from './helpers/cli.js';
import { hostileServersPerTest } from './helpers/hostile-smtp.js';
import { addAccount, fileSecretsEnv } from './helpers/smtp.js';
import { graphEnv } from './helpers/graph.js';
import { startGraphServer, testClientId, type GraphTestServer } from './servers/graph.js';

const hostileServer = hostileServersPerTest();

const user = 'alice@example.com';
const password = 'Tr0ub4dor&3-horse';
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const forbidden = [password, base64(password), base64(`\0${user}\0${password}`)];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/** Every output and file the test collected, with the secrets it still holds. */
async function leaksIn(texts: Record<string, string>, folders: string[]): Promise<string[]> {
  for (const folder of folders) {
    for (const file of await filesUnder(folder)) texts[file] = await readFile(file, 'latin1');
  }
  return Object.entries(texts).flatMap(([where, text]) =>
    forbidden.filter((secret) => text.includes(secret)).map((secret) => `${where}: ${secret}`),
  );
}

/** The notify command's environment, less the variable the test itself passes the password in (--password-env). */
async function notifyEnv(file: string): Promise<string> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  return lines.filter((line) => !line.startsWith('MAILSHOT_TEST_PASSWORD=')).join('\n');
}

async function setUp(options: Parameters<typeof hostileServer>[0]) {
  const server = await hostileServer(options);
  const env = { ...(await fileSecretsEnv()), MAILSHOT_TEST_PASSWORD: password };
  await addAccount(env, 'hostile', server, { user, args: ['--password-env', 'MAILSHOT_TEST_PASSWORD'] });
  const campaign = await writeCampaign({ fields: { from: user } });
  const notified = path.join(await tempDir(), 'notify-env.txt');
  const send = (extra: string[]) =>
    runCli(
      ['campaign', 'send', campaign.file, '--via', 'hostile', '--yes', '--debug', '--notify-command', `env > '${notified}'`, ...extra],
      { env },
    );
  return { env, campaign, notified, send };
}

test.each([
  ['AUTH PLAIN', ['PLAIN']],
  ['AUTH LOGIN', ['LOGIN']],
])('a server refusing %s by quoting it: the password is nowhere', async (_name, mechanisms) => {
  const { env, campaign, notified, send } = await setUp({ mechanisms, echoAuth: 'refuse' });
  const human = await send([]);
  const json = await send(['--json']);
  expect(human.code).toBe(1);
  expect(json.code).toBe(1);
  expect(human.stderr).toContain('[credentials hidden]');
  const texts: Record<string, string> = {
    stderr: human.stderr,
    stdout: human.stdout,
    '--json stdout': json.stdout,
    '--json stderr': json.stderr,
  };
  texts['notify env'] = await notifyEnv(notified);
  expect(texts['notify env']).toContain('MAILSHOT_REASON=');
  expect(await leaksIn(texts, [env.MAILSHOT_CONFIG_DIR, campaign.dir])).toEqual([]);
});

test('a server quoting the AUTH arguments in every refusal: journal, reports and notification hold none of it', async () => {
  const { env, campaign, notified, send } = await setUp({ mechanisms: ['PLAIN'], echoAuth: 'later' });
  const sent = await send(['--json']);
  expect(sent.stdout).toContain('[credentials hidden]');
  const texts: Record<string, string> = { 'send stdout': sent.stdout, 'send stderr': sent.stderr, 'notify env': await notifyEnv(notified) };
  for (const format of ['table', 'json', 'csv', 'html']) {
    const report = await runCli(['report', campaign.file, '--format', format], { env });
    expect(report.code).toBe(0);
    const written = format === 'html' ? await readFile(report.stdout.trim(), 'utf8') : report.stdout;
    expect(written).toContain('credentials hidden');
    texts[`report ${format}`] = written + report.stderr;
  }
  const status = await runCli(['campaign', 'status', campaign.file, '--json'], { env });
  texts.status = status.stdout + status.stderr;
  expect(await leaksIn(texts, [env.MAILSHOT_CONFIG_DIR, campaign.dir])).toEqual([]);
});

describe('an IMAP server quoting the sign-in it refuses', () => {
  const hostileImap = hostileServersPerTest('hostile-imap.ts');

  test('bounces check and accounts test: the password is nowhere', async () => {
    const [smtp, imap] = await Promise.all([hostileServer({ mechanisms: ['PLAIN'] }), hostileImap({})]);
    const env = { ...(await fileSecretsEnv()), MAILSHOT_TEST_PASSWORD: password };
    const imapArgs = ['--imap-host', imap.host, '--imap-port', String(imap.port), '--imap-security', 'none'];
    await addAccount(env, 'hostile', smtp, { user, args: ['--password-env', 'MAILSHOT_TEST_PASSWORD', ...imapArgs] });
    const check = await runCli(['bounces', 'check', 'hostile'], { env });
    const tested = await runCli(['accounts', 'test', 'hostile', '--json'], { env });
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('[credentials hidden]');
    expect(tested.code).toBe(1);
    const texts = { 'bounces check': check.stdout + check.stderr, 'accounts test': tested.stdout + tested.stderr };
    expect(await leaksIn(texts, [env.MAILSHOT_CONFIG_DIR])).toEqual([]);
  });
});

describe('Graph refusing a message by quoting the Authorization header', () => {
  const graphs: GraphTestServer[] = [];
  afterEach(async () => {
    await Promise.all(graphs.splice(0).map((graph) => graph.close()));
  });

  test('sendMail quoting the Authorization header: the access token is in no output, journal or report', async () => {
    const graph = await startGraphServer({ echoAuthorization: true });
    graphs.push(graph);
    const env = await graphEnv(graph);
    const linked = await runCli(['accounts', 'add', 'microsoft', 'work', '--client-id', testClientId, '--device-code', '--rate', '50/s'], {
      env,
    });
    expect(linked.code).toBe(0);
    const campaign = await writeCampaign({ fields: { via: 'work', from: graph.address } });
    const sent = await runCli(['campaign', 'send', campaign.file, '--yes', '--json', '--debug'], { env });
    expect(sent.stdout).toContain('Authorization: Bearer [credentials hidden]');
    const texts: Record<string, string> = { send: sent.stdout + sent.stderr };
    for (const format of ['table', 'json', 'csv'])
      texts[`report ${format}`] = (await runCli(['report', campaign.file, '--format', format], { env })).stdout;
    expect(graph.issuedAccessTokens.length).toBeGreaterThan(0);
    for (const file of await filesUnder(campaign.dir)) texts[file] = await readFile(file, 'latin1');
    const leaks = Object.entries(texts).filter(([, text]) => graph.issuedAccessTokens.some((token) => text.includes(token)));
    expect(leaks.map(([where]) => where)).toEqual([]);
  });

  test('a refused token refresh quoting the refresh token: it is in no output or state', async () => {
    const graph = await startGraphServer({ echoTokenRequest: true });
    graphs.push(graph);
    const env = await graphEnv(graph);
    const linked = await runCli(['accounts', 'add', 'microsoft', 'work', '--client-id', testClientId, '--device-code'], { env });
    expect(linked.code).toBe(0);
    graph.revokeConsent();
    const campaign = await writeCampaign({ fields: { via: 'work', from: graph.address } });
    const sent = await runCli(['campaign', 'send', campaign.file, '--yes', '--debug'], { env });
    const tested = await runCli(['accounts', 'test', 'work', '--json'], { env });
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain('Request: ');
    expect(sent.stderr).toContain('refresh_token=[credentials hidden]');
    const texts: Record<string, string> = { send: sent.stdout + sent.stderr, 'accounts test': tested.stdout + tested.stderr };
    for (const file of await filesUnder(campaign.dir)) texts[file] = await readFile(file, 'latin1');
    const leaks = Object.entries(texts).filter(([, text]) => graph.issuedRefreshTokens.some((token) => text.includes(token)));
    expect(graph.issuedRefreshTokens.length).toBeGreaterThan(0);
    expect(leaks.map(([where]) => where)).toEqual([]);
  });
});
