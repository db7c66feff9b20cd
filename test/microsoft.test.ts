/**
 * Microsoft 365 / Outlook accounts end to end: the CLI as a process, signing in with MSAL and sending
 * through Graph, against the local identity platform + Graph simulator (test/servers/graph.ts) over
 * HTTPS, trusted through NODE_EXTRA_CA_CERTS. Assertions are on what the simulator accepted (decoded
 * from the MIME it received), on what was stored, on exit codes and on the messages a person reads.
 *
 * Accounts are linked with --rate 50/s unless a test is about the rate: the real 30/min default would
 * make every test take minutes.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { collect, recipientsCsv, runCli, startCli, writeCampaign, type CampaignFixture, type CliResult } from './helpers/cli.js';
import { until, type Env } from './helpers/smtp.js';
import { startGraphServer, testClientId, type GraphServerOptions, type GraphTestServer } from './servers/graph.js';
import { graphEnv } from './helpers/graph.js';
import { journalFile, journalText } from './helpers/journal.js';
import { reportJson } from './helpers/report.js';
import { runInProcess } from './helpers/in-process.js';

const servers: GraphTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

type ConfigEnv = Env & { MAILSHOT_CONFIG_DIR: string };

/** A simulator and a private config dir (file secret store) whose CLI runs reach and trust it. */
async function start(options: GraphServerOptions = {}): Promise<{ graph: GraphTestServer; env: ConfigEnv }> {
  const graph = await startGraphServer(options);
  servers.push(graph);
  const env = await graphEnv(graph);
  return { graph, env };
}

function addArgs(name: string, ...args: string[]): string[] {
  return ['accounts', 'add', 'microsoft', name, '--client-id', testClientId, ...args];
}

/** Links `name` with a device code the simulator approves at the first poll. */
async function link(env: ConfigEnv, name: string, ...args: string[]): Promise<void> {
  const result = await runCli(addArgs(name, '--device-code', '--rate', '50/s', ...args), { env });
  if (result.code !== 0) throw new Error(`accounts add microsoft ${name} failed (${result.code}): ${result.stderr}`);
}

/** state.json as written before the journal's last outcome: it records the journal as long as it is now. */
async function snapshotTakenBefore(stateDir: string, journal: string): Promise<void> {
  const stateFile = path.join(stateDir, 'state.json');
  const state = JSON.parse(await readFile(stateFile, 'utf8')) as Record<string, unknown>;
  await writeFile(stateFile, JSON.stringify({ ...state, journalBytes: (await readFile(journal)).length }));
}

/** A campaign of r0…r(count-1)@example.com, from the simulator's mailbox (Exchange refuses another From). */
async function campaignOf(count: number, via: string, graph: GraphTestServer): Promise<CampaignFixture> {
  return writeCampaign({ csv: recipientsCsv(count), fields: { via, from: `Megan <${graph.address}>` } });
}

/** How many times the simulator received each recipient, read from the decoded To of each message. */
function deliveries(graph: GraphTestServer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of graph.received) for (const to of message.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}

function expectEachOnce(graph: GraphTestServer, count: number): void {
  const counts = deliveries(graph);
  const expected = new Map(Array.from({ length: count }, (_, index) => [`r${index}@example.com`, 1]));
  expect(counts).toEqual(expected);
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The account record and stored secret of `name`, as on disk. */
async function stored(env: ConfigEnv, name: string): Promise<{ account?: unknown; secret?: unknown }> {
  const accounts = (await readJson(path.join(env.MAILSHOT_CONFIG_DIR, 'accounts.json')))?.accounts as Record<string, unknown> | undefined;
  const secrets = await readJson(path.join(env.MAILSHOT_CONFIG_DIR, 'secrets.json'));
  return { account: accounts?.[name], secret: secrets?.[name] };
}

/** Starts `accounts add microsoft` and waits until stderr shows `pattern`; returns the child's result promise and the match. */
async function startUntil(args: string[], env: Env, pattern: RegExp): Promise<{ done: Promise<CliResult>; match: RegExpExecArray }> {
  const child = startCli(args, { env });
  const done = collect(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  if (!(await until(() => pattern.test(stderr), 10_000))) {
    child.kill();
    throw new Error(`never saw ${pattern} on stderr:\n${stderr}\n${(await done).stderr}`);
  }
  return { done, match: pattern.exec(stderr)! };
}

/** A plain request (https trusting `ca`, or http); the test process is the person's browser here. */
function request(
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string>; ca?: string } = {},
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = client.request(target, { method: options.method ?? 'GET', headers: options.headers, ca: options.ca }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/**
 * What the browser does with the sign-in page: the simulator answers with the identity platform's
 * self-submitting form_post page, and this submits it to the CLI's loopback (on 127.0.0.1, whatever
 * host name the redirect address uses).
 */
async function completeInBrowser(graph: GraphTestServer, signInUrl: string): Promise<void> {
  const page = await request(signInUrl, { ca: graph.certificate });
  expect(page.status).toBe(200);
  const unescape = (value: string) =>
    value
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&amp;/g, '&');
  const action = new URL(unescape(/<form method="POST" name="hiddenform" action="([^"]+)"/.exec(page.body)![1]!));
  const fields = new URLSearchParams();
  for (const [, name, value] of page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g))
    fields.append(name!, unescape(value!));
  const posted = await request(`http://127.0.0.1:${action.port}${action.pathname}`, {
    method: 'POST',
    body: fields.toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Host: action.host },
  });
  expect(posted.status).toBe(200);
}

describe('linking a Microsoft account', () => {
  test('device code without a browser: the code is entered "on another device"; the MSAL cache lands only in the secret store; accounts test shows the mailbox', async () => {
    const { graph, env } = await start({ deviceCode: { approveAfterPolls: 'manual' } });
    const { done, match } = await startUntil(addArgs('work', '--device-code'), env, /enter the code (\w+) to authenticate/);
    expect(await until(() => (graph.polls.get(match[1]!) ?? 0) >= 1, 10_000)).toBe(true); // the CLI polls and hears "authorization_pending"
    graph.approve(match[1]!);
    const added = await done;
    expect(added).toMatchObject({ code: 0 });
    expect(added.stderr).toContain(`open the page ${graph.authority}/devicelogin and enter the code ${match[1]}`);
    expect(added.stderr).toContain('added account "work" (megan@contoso.example, Microsoft (tenant common)');
    // At least one poll heard "authorization_pending" before the approval, and no other grant was used.
    expect(graph.tokenRequests.length).toBeGreaterThanOrEqual(2);
    expect(new Set(graph.tokenRequests)).toEqual(new Set(['device_code']));

    const { account, secret } = await stored(env, 'work');
    expect(account).toMatchObject({
      kind: 'microsoft',
      address: 'megan@contoso.example',
      clientId: testClientId,
      tenant: 'common',
      secret: 'file',
      reconcile: false,
      limits: { maxConcurrent: 4, rate: '30/min', dailyLimit: 10000 },
    });
    const cache = JSON.parse(secret as string) as Record<string, Record<string, { secret: string }>>;
    const tokens = ['AccessToken', 'RefreshToken', 'IdToken'].flatMap((kind) =>
      Object.values(cache[kind] ?? {}).map((entry) => entry.secret),
    );
    expect(tokens).toHaveLength(3);
    const files = (await readdir(env.MAILSHOT_CONFIG_DIR, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    expect(files.map((file) => file.name)).toEqual(expect.arrayContaining(['accounts.json', 'secrets.json']));
    for (const file of files) {
      const text = await readFile(path.join(file.parentPath, file.name), 'utf8');
      if (file.name !== 'secrets.json') for (const token of tokens) expect([file.name, text.includes(token)]).toEqual([file.name, false]);
    }

    const tested = await runCli(['accounts', 'test', 'work'], { env });
    expect(tested).toMatchObject({ code: 0 });
    expect(tested.stdout).toContain('address: megan@contoso.example');
    const json = JSON.parse((await runCli(['accounts', 'test', 'work', '--json'], { env })).stdout);
    expect(json).toMatchObject({ account: 'work', ok: true, address: 'megan@contoso.example' });
  });

  test('in the browser: the sign-in page posts the code to the loopback (form_post); cancelling there saves nothing', async () => {
    const { graph, env } = await start();
    const browserEnv = { ...env, BROWSER: 'true', DISPLAY: undefined, WAYLAND_DISPLAY: undefined };
    const { done, match } = await startUntil(addArgs('browser'), browserEnv, /(https:\/\/\S+\/common\/oauth2\/v2\.0\/authorize\?\S+)/);
    const signIn = new URL(match[1]!);
    expect(signIn.searchParams.get('response_mode')).toBe('form_post');
    expect(signIn.searchParams.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+$/);
    expect(signIn.searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['Mail.Send', 'User.Read', 'offline_access']));
    await completeInBrowser(graph, match[1]!);
    const added = await done;
    expect(added).toMatchObject({ code: 0 });
    expect(added.stderr).toContain('added account "browser" (megan@contoso.example');
    expect(graph.tokenRequests).toEqual(['authorization_code']);

    const declining = await start({ browser: 'cancel' });
    const cancelled = await startUntil(
      addArgs('nope'),
      { ...declining.env, BROWSER: 'true', DISPLAY: undefined, WAYLAND_DISPLAY: undefined },
      /(https:\/\/\S+\/authorize\?\S+)/,
    );
    await completeInBrowser(declining.graph, cancelled.match[1]!);
    const result = await cancelled.done;
    expect(result).toMatchObject({ code: 1 });
    expect(result.stderr).toMatch(/declined or cancelled \(AADSTS65004: User declined to consent to access the app\.\); nothing was saved/);
    expect(await stored(declining.env, 'nope')).toEqual({ account: undefined, secret: undefined });
  });
});

describe('sending through Graph', () => {
  test('every recipient exactly once (decoded from the MIME received), never more than 4 requests at once', async () => {
    const { graph, env } = await start({ delayMs: 150 });
    await link(env, 'm365');
    const campaign = await campaignOf(16, 'm365', graph);
    const sent = await runCli(['campaign', 'send', campaign.file], { env });
    expect(sent.stderr).toContain('done: sent 16');
    expect(sent).toMatchObject({ code: 0 });
    expectEachOnce(graph, 16);
    expect(graph.received.find((message) => message.to[0] === 'r3@example.com')).toMatchObject({
      subject: 'Hello Person 3',
      text: expect.stringContaining('Person 3'),
    });
    expect(new Set(graph.received.map((message) => message.messageId)).size).toBe(16);
    expect(graph.peakConcurrent).toBeLessThanOrEqual(4);
    expect(graph.peakConcurrent).toBeGreaterThan(1);
    expect(graph.refusals).toEqual([]);
    const journal = await journalText(campaign.stateDir);
    expect(journal).toMatch(/"reply":"202 Accepted \(request-id [0-9a-f-]+\)"/);
  });

  test('throttling: 429 TooManyRequests (Retry-After: 1.5) and, over 4 at once, ApplicationThrottled; slows down and completes with no failure', async () => {
    const { graph, env } = await start({ delayMs: 300, rate: { max: 5, windowMs: 1000, retryAfter: '1.5' } });
    await link(env, 'fast', '--max-concurrent', '8');
    const campaign = await campaignOf(16, 'fast', graph);
    const sent = await runCli(['campaign', 'send', campaign.file, '--json'], { env });
    expect(sent).toMatchObject({ code: 0 });
    expectEachOnce(graph, 16);
    const codes = new Set(graph.refusals.map((refusal) => refusal.code));
    expect(codes).toEqual(new Set(['TooManyRequests', 'ApplicationThrottled']));
    const report = await reportJson(campaign.file, [], { env });
    expect(report.totals).toMatchObject({ sent: 16, failed: 0, pending: 0 });
    expect(report.limit_changes.length).toBeGreaterThan(0);
  }, 45_000);

  test('the daily cap (ErrorExceededMessageLimit) pauses with exit 75; once the day has passed, resume completes', async () => {
    const { graph, env } = await start({ dailyLimit: 4, quotaRetryAfter: '2' });
    await link(env, 'capped', '--max-concurrent', '1');
    const campaign = await campaignOf(7, 'capped', graph);
    const first = await runCli(['campaign', 'send', campaign.file], { env });
    expect(first).toMatchObject({ code: 75 });
    expect(first.stderr).toMatch(/quota is used up .*ErrorExceededMessageLimit.*paused until \d{4}-/);
    expect(graph.received).toHaveLength(4);

    const status = JSON.parse((await runInProcess(['campaign', 'status', campaign.file, '--json'], { env })).stdout);
    expect(status.status).toBe('paused');
    graph.setDailyLimit(undefined); // a day later
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(status.paused_until) - Date.now()) + 100));
    const resumed = await runCli(['campaign', 'resume', campaign.file], { env });
    expect(resumed).toMatchObject({ code: 0 });
    expectEachOnce(graph, 7);
  });

  test('a rejected access token (401) is renewed once with the refresh token and the send goes on', async () => {
    const { graph, env } = await start();
    await link(env, 'renew');
    graph.invalidateAccessTokens();
    const campaign = await campaignOf(3, 'renew', graph);
    const sent = await runCli(['campaign', 'send', campaign.file], { env });
    expect(sent).toMatchObject({ code: 0 });
    expectEachOnce(graph, 3);
    expect(graph.refusals.map((refusal) => refusal.status)).toEqual([401]);
    expect(graph.tokenRequests).toEqual(['device_code', 'refresh_token']);
  });

  test('revoked consent stops with exit 1 and says how to link the account again; nothing is sent', async () => {
    const { graph, env } = await start();
    await link(env, 'revoked');
    graph.revokeConsent();
    const campaign = await campaignOf(3, 'revoked', graph);
    const sent = await runCli(['campaign', 'send', campaign.file], { env });
    expect(sent).toMatchObject({ code: 1 });
    expect(sent.stderr).toMatch(
      /account "revoked": the account's authorisation is no longer valid \(400 invalid_grant: AADSTS65001: .*\); link the account again: mailshot accounts remove revoked, then mailshot accounts add microsoft revoked --client-id/,
    );
    expect(sent.stderr).not.toMatch(/Trace ID|at .*\.js:\d+/);
    expect(graph.received).toHaveLength(0);
    const tested = await runCli(['accounts', 'test', 'revoked'], { env });
    expect(tested).toMatchObject({ code: 1 });
    expect(tested.stderr).toContain('link the account again');
  });

  test('a from address the mailbox may not send as (ErrorSendAsDenied) stops the campaign with exit 1 instead of failing every recipient', async () => {
    const { graph, env } = await start();
    await link(env, 'sendas');
    const campaign = await writeCampaign({ csv: recipientsCsv(5), fields: { via: 'sendas', from: 'News <news@elsewhere.example>' } });
    const sent = await runCli(['campaign', 'send', campaign.file], { env });
    expect(sent).toMatchObject({ code: 1 });
    expect(sent.stderr).toContain('403 ErrorSendAsDenied');
    expect(sent.stderr).toContain("the signed-in mailbox may not send as the campaign's from address");
    expect(graph.received).toHaveLength(0);
    const report = await reportJson(campaign.file, [], { env });
    expect(report.totals.failed).toBe(0);
  });

  test('--reconcile settles a recipient left in doubt by finding its internetMessageId in Sent Items; without it the recipient is sent again', async () => {
    const { graph, env } = await start();
    await link(env, 'settled', '--reconcile');
    await link(env, 'plain');
    expect((await runCli(['accounts', 'test', 'settled'], { env })).stdout).toContain('reconcile: yes');

    for (const via of ['settled', 'plain']) {
      const campaign = await campaignOf(3, via, graph);
      expect(await runCli(['campaign', 'send', campaign.file, '--limit', '2'], { env })).toMatchObject({ code: 75 });
      // As if the run had stopped after Graph accepted r1: its attempt is on disk, its outcome is not.
      const journal = journalFile(campaign.stateDir);
      const lines = (await readFile(journal, 'utf8')).trimEnd().split('\n');
      const lastSent = lines.findLastIndex((line) => line.includes('"ev":"sent"') && line.includes('r1@example.com'));
      await writeFile(journal, lines.filter((_, index) => index !== lastSent).join('\n') + '\n');
      await snapshotTakenBefore(campaign.stateDir, journal);
      const resumed = await runCli(['campaign', 'resume', campaign.file], { env });
      expect(resumed).toMatchObject({ code: 0 });
      if (via === 'settled')
        expect(await readFile(journal, 'utf8')).toMatch(/"to":"r1@example.com".*"reply":"found in Sent by its Message-ID </);
    }
    const r1 = graph.received.filter((message) => message.to[0] === 'r1@example.com');
    expect(r1).toHaveLength(3); // once for "settled" (found in Sent, not resent), twice for "plain"
    expect(graph.received).toHaveLength(7);
  });
});

describe('bad input', () => {
  test('missing or malformed --client-id: exit 2 before any sign-in', async () => {
    const { graph, env } = await start();
    const missing = await runCli(['accounts', 'add', 'microsoft', 'x', '--device-code'], { env });
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain("required option '--client-id <id>' not specified");
    const malformed = await runCli(['accounts', 'add', 'microsoft', 'x', '--client-id', 'my-app', '--device-code'], { env });
    expect(malformed).toMatchObject({ code: 2 });
    expect(malformed.stderr).toContain('--client-id "my-app" is not an application (client) id');
    expect(graph.tokenRequests).toEqual([]);
    expect(await stored(env, 'x')).toEqual({ account: undefined, secret: undefined });
  });

  test("an unknown tenant or app registration: the identity platform's AADSTS answer, exit 2, nothing saved", async () => {
    const { env } = await start();
    const tenant = await runCli(addArgs('x', '--tenant', 'no-such-tenant.example', '--device-code'), { env });
    expect(tenant).toMatchObject({ code: 2 });
    expect(tenant.stderr).toMatch(
      /Microsoft does not know the tenant "no-such-tenant\.example" \(AADSTS90002: Tenant 'no-such-tenant\.example' not found\..*\); check --tenant/,
    );
    expect(tenant.stderr).not.toContain('Trace ID');
    const client = await runCli(
      ['accounts', 'add', 'microsoft', 'x', '--client-id', '11111111-2222-3333-4444-555555555555', '--device-code'],
      { env },
    );
    expect(client).toMatchObject({ code: 2 });
    expect(client.stderr).toMatch(/Microsoft refused the app registration 11111111-2222-3333-4444-555555555555 \(AADSTS700016: /);
    expect(await stored(env, 'x')).toEqual({ account: undefined, secret: undefined });
  });

  test('a device code that expires, or is declined: exit 1, nothing saved', async () => {
    const expiring = await start({ deviceCode: { approveAfterPolls: 'manual', expiresIn: 2 } });
    const expired = await runCli(addArgs('late', '--device-code'), { env: expiring.env });
    expect(expired).toMatchObject({ code: 1 });
    expect(expired.stderr).toMatch(/the sign-in code expired before the sign-in was finished .*nothing was saved/);
    expect(await stored(expiring.env, 'late')).toEqual({ account: undefined, secret: undefined });

    const { graph, env } = await start({ deviceCode: { approveAfterPolls: 'manual' } });
    const { done, match } = await startUntil(addArgs('no', '--device-code'), env, /enter the code (\w+) to authenticate/);
    graph.decline(match[1]!);
    const declined = await done;
    expect(declined).toMatchObject({ code: 1 });
    expect(declined.stderr).toMatch(
      /the sign-in was declined or cancelled \(AADSTS70000: The end user denied the authorization request\.\); nothing was saved/,
    );
    expect(await stored(env, 'no')).toEqual({ account: undefined, secret: undefined });
  });

  test('a message over the Graph size limit is refused by campaign validate --via (exit 2)', async () => {
    const { env } = await start();
    await link(env, 'sizes');
    const campaign = await writeCampaign({
      fields: { attachments: ['big.bin'] },
      files: { 'big.bin': Buffer.alloc(2.5 * 1024 * 1024, 7) },
    });
    const validated = await runInProcess(['campaign', 'validate', campaign.file, '--via', 'sizes'], { env });
    expect(validated).toMatchObject({ code: 2 });
    expect(validated.stderr).toMatch(/is 3\.\d MB; Microsoft Graph takes at most 3\.0 MB/);
    expect(await runInProcess(['campaign', 'validate', campaign.file], { env })).toMatchObject({ code: 0 });
  });
});
