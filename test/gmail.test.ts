/**
 * Gmail / Google Workspace accounts end to end: the CLI as a process against the local Google simulator
 * (test/servers/gmail.ts), which mailshot reaches through MAILSHOT_GOOGLE_AUTH_URL,
 * MAILSHOT_GOOGLE_TOKEN_URL and MAILSHOT_GMAIL_API_URL. The test plays the browser: it reads the sign-in
 * address the CLI prints, GETs it from the simulator (whose answer redirects to the CLI's loopback
 * listener), then follows that redirect or pastes it at the CLI's prompt. Assertions are on what the
 * simulator accepted (decoded), the registry and secret files, the journal, reports and exit codes.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { simpleParser } from 'mailparser';
import { collect, recipientsCsv, runCli, startCli, tempDir, writeCampaign, type CampaignFixture, type CliResult } from './helpers/cli.js';
import { fileSecretsEnv, type Env } from './helpers/smtp.js';
import {
  googleScope,
  startGmailSimulator,
  type AcceptedMessage,
  type GmailSimulator,
  type GmailSimulatorOptions,
} from './servers/gmail.js';
import { journalLines } from './helpers/journal.js';
import { signInAddress, startGoogleSignIn, type GoogleSignIn } from './helpers/google.js';
import { reportJson } from './helpers/report.js';

const simulators: GmailSimulator[] = [];
afterEach(async () => {
  await Promise.all(simulators.splice(0).map((google) => google.close()));
});

interface Setup {
  google: GmailSimulator;
  env: Env & { MAILSHOT_CONFIG_DIR: string };
}

/** A simulator and a private config folder whose secrets go to the owner-only file. */
async function setup(options: GmailSimulatorOptions = {}): Promise<Setup> {
  const google = await startGmailSimulator(options);
  simulators.push(google);
  return { google, env: { ...(await fileSecretsEnv()), ...google.env, GOOGLE_CLIENT_SECRET: google.client.secret } };
}

/** The person at Google's consent screen: the answer is a redirect to the CLI's loopback address. */
async function consent(authUrl: string): Promise<URL> {
  const answer = await fetch(authUrl, { redirect: 'manual' });
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get('location')!);
}

/** Links account NAME, the browser played through the loopback redirect. */
async function link(s: Setup, name: string, args: string[] = []): Promise<CliResult> {
  const signIn = await startGoogleSignIn(s.google, s.env, name, args);
  const page = await fetch(await consent(signIn.authUrl));
  const result = await signIn.done;
  if (result.code !== 0) throw new Error(`accounts add google ${name} failed (${result.code}): ${result.stderr}`);
  expect(page.status).toBe(200);
  return result;
}

/** A JSON file of the config folder, `{}` while nothing was ever saved there. */
async function configJson(s: Setup, file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(path.join(s.env.MAILSHOT_CONFIG_DIR, file), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

const registry = async (s: Setup) => ((await configJson(s, 'accounts.json')).accounts ?? {}) as Record<string, Record<string, unknown>>;
const secrets = async (s: Setup) => (await configJson(s, 'secrets.json')) as Record<string, string>;

async function expectNothingSaved(s: Setup, name: string): Promise<void> {
  expect((await registry(s))[name]).toBeUndefined();
  expect((await secrets(s))[name]).toBeUndefined();
}

/** Campaign runs with a rate high enough for tests (the Gmail default is 1/s). */
function send(s: Setup, campaign: CampaignFixture, via: string, ...extra: string[]): Promise<CliResult> {
  return runCli(['campaign', 'send', campaign.file, '--via', via, '--rate', '100/s', ...extra], { env: s.env });
}

function resume(s: Setup, campaign: CampaignFixture, ...extra: string[]): Promise<CliResult> {
  return runCli(['campaign', 'resume', campaign.file, '--rate', '100/s', ...extra], { env: s.env });
}

interface Totals {
  recipients: number;
  sent: number;
  failed: number;
  pending: number;
  in_doubt: number;
  deferred: number;
}

async function totals(s: Setup, campaign: CampaignFixture): Promise<Totals> {
  return (await reportJson<{ totals: Totals }>(campaign.file, [], { env: s.env, spawn: true })).totals;
}

type JournalLine = { ev: string; to?: string; reply?: string };

const journal = (campaign: CampaignFixture): Promise<JournalLine[]> => journalLines<JournalLine>(campaign.stateDir);

const toOf = (message: AcceptedMessage): Promise<string> =>
  simpleParser(message.raw).then((parsed) => (Array.isArray(parsed.to) ? parsed.to[0] : parsed.to)!.value[0]!.address!);

/** How many messages the simulator accepted per To address. */
async function deliveredCounts(google: GmailSimulator): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const to of await Promise.all(google.accepted.map(toOf))) counts[to] = (counts[to] ?? 0) + 1;
  return counts;
}

const recipients = (count: number) => Array.from({ length: count }, (_, index) => `r${index}@example.com`);
const once = (addresses: string[]) => Object.fromEntries(addresses.map((address) => [address, 1]));

describe('linking a Gmail account', () => {
  test('--no-browser: the pasted redirect address links the account; the refresh token and client secret go only to the secret file', async () => {
    const s = await setup({ address: 'mara@lakeside-makers.example' });
    const signIn = await startGoogleSignIn(s.google, s.env, 'gmail', [], { keepStdinOpen: true });
    const authorization = new URL(signIn.authUrl);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('access_type')).toBe('offline');
    expect(authorization.searchParams.get('scope')!.split(' ')).toEqual(['openid', 'email', googleScope('gmail.send')]);
    // The browser is on another machine: its redirect never reaches the loopback; the person pastes it.
    signIn.child.stdin!.end(`${(await consent(signIn.authUrl)).href}\n`);
    const added = await signIn.done;
    expect(added.code).toBe(0);
    expect(added.stderr).toContain('added account "gmail" (mara@lakeside-makers.example, Gmail');

    const account = (await registry(s)).gmail!;
    expect(account).toMatchObject({
      kind: 'google',
      address: 'mara@lakeside-makers.example',
      clientId: s.google.client.id,
      secret: 'file',
      reconcile: false,
      workspace: false,
      limits: { maxConcurrent: 5, rate: '1/s', dailyLimit: 500 },
    });
    const [refreshToken] = s.google.liveRefreshTokens();
    const registryText = await readFile(path.join(s.env.MAILSHOT_CONFIG_DIR, 'accounts.json'), 'utf8');
    expect(registryText).not.toContain(refreshToken);
    expect(registryText).not.toContain(s.google.client.secret);
    expect(JSON.parse((await secrets(s)).gmail!)).toEqual({ clientSecret: s.google.client.secret, refreshToken });
    expect((await stat(path.join(s.env.MAILSHOT_CONFIG_DIR, 'secrets.json'))).mode & 0o777).toBe(0o600);
    expect(added.stderr).not.toContain(refreshToken);

    const tested = await runCli(['accounts', 'test', 'gmail'], { env: s.env });
    expect(tested.code).toBe(0);
    expect(tested.stdout).toContain('address: mara@lakeside-makers.example');
    expect(tested.stdout).toContain('permissions: send');
    expect(s.google.stats.refreshes).toBe(1);

    // Through the loopback this time: Workspace limits, with a limit given at linking on top.
    await link(s, 'work', ['--workspace', '--max-concurrent', '3']);
    expect((await registry(s)).work).toMatchObject({ workspace: true, limits: { maxConcurrent: 3, rate: '1/s', dailyLimit: 2000 } });

    expect((await runCli(['accounts', 'remove', 'work'], { env: s.env })).code).toBe(0);
    await expectNothingSaved(s, 'work');
    expect((await secrets(s)).gmail).toBeDefined();
  });

  // A stand-in browser, which xdg-open (Linux) finds through $BROWSER on a machine without a desktop, follows
  // the redirects to the loopback. Elsewhere a real browser would open.
  (process.platform === 'linux' ? test : test.skip)(
    'with a browser: mailshot opens it at the consent screen and the loopback completes the sign-in',
    async () => {
      const s = await setup();
      const browser = path.join(await tempDir('mailshot-browser-'), 'browser');
      await writeFile(browser, `#!${process.execPath}\nawait fetch(process.argv[2]);\n`, { mode: 0o755 });
      const added = await runCli(
        ['accounts', 'add', 'google', 'gmail', '--client-id', s.google.client.id, '--client-secret-env', 'GOOGLE_CLIENT_SECRET'],
        {
          env: { ...s.env, BROWSER: browser, XDG_CURRENT_DESKTOP: 'X-Generic', DISPLAY: undefined, WAYLAND_DISPLAY: undefined },
        },
      );
      expect(added.code).toBe(0);
      expect(added.stderr).toMatch(signInAddress); // printed too, for when no browser opens
      expect((await registry(s)).gmail).toMatchObject({ kind: 'google', address: 'sender@example.com' });
    },
  );

  interface Refusal {
    name: string;
    code: number;
    says: string;
    prepare?: (s: Setup) => void;
    /** What the person (the test, playing the browser) does with the sign-in address. */
    answer: (signIn: GoogleSignIn) => Promise<void>;
  }

  test.each<Refusal>([
    {
      name: 'a "state" that does not belong to this sign-in is rejected (exit 2)',
      code: 2,
      says: 'does not match',
      answer: async (signIn) => {
        const redirect = await consent(signIn.authUrl);
        redirect.searchParams.set('state', 'forged-state');
        expect((await fetch(redirect)).status).toBe(400);
      },
    },
    {
      name: 'a sign-in cancelled on the consent screen (access_denied) stops with exit 1',
      code: 1,
      says: 'sign-in cancelled',
      prepare: (s) => (s.google.options.consent = 'deny'),
      answer: async (signIn) => {
        const redirect = await consent(signIn.authUrl);
        expect(redirect.searchParams.get('error')).toBe('access_denied');
        expect((await fetch(redirect)).status).toBe(400);
      },
    },
    {
      name: 'a sign-in that gets no answer in time stops with exit 1',
      code: 1,
      says: 'no answer from the Google sign-in within 1 second(s)',
      prepare: (s) => (s.env.MAILSHOT_SIGNIN_TIMEOUT_MS = '1000'),
      answer: async () => undefined,
    },
    {
      name: 'a consent without the permission to send stops with exit 1',
      code: 1,
      says: 'permission to send email was not given',
      prepare: (s) => (s.google.options.withheldScopes = [googleScope('gmail.send')]),
      answer: async (signIn) => void (await fetch(await consent(signIn.authUrl))),
    },
    {
      name: 'a wrong client secret, refused at the token endpoint, stops with exit 1',
      code: 1,
      says: 'Google did not accept the OAuth client (invalid_client',
      prepare: (s) => (s.env.GOOGLE_CLIENT_SECRET = 'GOCSPX-not-the-secret'),
      answer: async (signIn) => void (await fetch(await consent(signIn.authUrl))),
    },
  ])('$name; nothing is saved', async ({ code, says, prepare, answer }) => {
    const s = await setup();
    prepare?.(s);
    const signIn = await startGoogleSignIn(s.google, s.env, 'gmail');
    await answer(signIn);
    const result = await signIn.done;
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(says);
    expect(result.stderr).toContain('nothing was saved');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    await expectNothingSaved(s, 'gmail');
  });

  test('missing --client-id, or a --client-secret-env variable that is not set: exit 2 before any sign-in', async () => {
    const s = await setup();
    const noClientId = await runCli(['accounts', 'add', 'google', 'gmail', '--client-secret-env', 'GOOGLE_CLIENT_SECRET'], { env: s.env });
    expect(noClientId.code).toBe(2);
    expect(noClientId.stderr).toContain('--client-id');
    const noSecret = await runCli(
      ['accounts', 'add', 'google', 'gmail', '--client-id', s.google.client.id, '--client-secret-env', 'NOT_SET_ANYWHERE'],
      { env: s.env },
    );
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('--client-secret-env NOT_SET_ANYWHERE: that variable is not set');
    await expectNothingSaved(s, 'gmail');
  });

  test('--help and accounts list do not load the Google libraries', async () => {
    for (const args of [['--help'], ['accounts', 'list']]) {
      const result = await runCli(args, { env: { ...(await fileSecretsEnv()), NODE_DEBUG: 'module' } });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('MODULE'); // the module loader's debug log is on
      expect(result.stderr).not.toMatch(/google-auth-library|@googleapis/);
    }
  });
});

describe('campaigns through a Gmail account', () => {
  test('every recipient delivered exactly once, headers and body intact; one token refresh for the run', async () => {
    const s = await setup();
    await link(s, 'gmail');
    const campaign = await writeCampaign({
      csv: recipientsCsv(8),
      fields: {
        headers: { 'X-Campaign': 'spring' },
        list_unsubscribe: { url: 'https://example.com/unsubscribe?email={{ email | url_encode }}', mailto: 'unsubscribe@example.com' },
      },
    });
    const sent = await send(s, campaign, 'gmail');
    expect(sent.code).toBe(0);
    expect(sent.stderr).toContain('done: sent 8');
    expect(await deliveredCounts(s.google)).toEqual(once(recipients(8)));
    expect(s.google.stats.refreshes).toBe(1); // the run renewed the token once and every send used it

    for (const message of s.google.accepted) {
      expect(message.route).toBe('json');
      const parsed = await simpleParser(message.raw);
      const to = await toOf(message);
      const index = Number(/^r(\d+)@/.exec(to)![1]);
      expect(parsed.subject).toBe(`Hello Person ${index}`);
      expect(parsed.messageId).toBe(message.messageId);
      expect(parsed.headers.get('x-campaign')).toBe('spring');
      const unsubscribe = parsed.headerLines.find((header) => header.key === 'list-unsubscribe')?.line;
      expect(unsubscribe).toContain(`<https://example.com/unsubscribe?email=r${index}%40example.com>`);
      expect(unsubscribe).toContain('<mailto:unsubscribe@example.com>');
      expect(parsed.text).toContain(`Hi Person ${index},`);
      expect(parsed.html).toContain(`<strong>Person ${index}</strong>`);
    }
    expect(new Set(s.google.accepted.map((message) => message.messageId)).size).toBe(8);
    const replies = (await journal(campaign)).filter((line) => line.ev === 'sent').map((line) => line.reply);
    expect(replies.sort()).toEqual(s.google.accepted.map((message) => `gmail id ${message.id}`).sort());

    const again = await send(s, campaign, 'gmail');
    expect(again.code).toBe(0);
    expect(s.google.accepted.length).toBe(8);
  });

  test('a message over 5 MB goes through the upload endpoint, intact', async () => {
    const s = await setup();
    await link(s, 'gmail');
    const attachment = Buffer.alloc(6 * 1024 * 1024, 'mailshot-');
    const campaign = await writeCampaign({ csv: recipientsCsv(1), fields: { attachments: ['big.bin'] }, files: { 'big.bin': attachment } });
    const sent = await send(s, campaign, 'gmail');
    expect(sent.code).toBe(0);
    expect(s.google.accepted.map((message) => message.route)).toEqual(['media']);
    const parsed = await simpleParser(s.google.accepted[0]!.raw);
    expect(parsed.attachments[0]!.content.equals(attachment)).toBe(true);
  });

  test('a message over 35 MB is refused by validate --via (exit 2)', async () => {
    const s = await setup();
    await link(s, 'gmail');
    const campaign = await writeCampaign({
      csv: recipientsCsv(1),
      fields: { attachments: ['huge.bin'] },
      files: { 'huge.bin': Buffer.alloc(36 * 1024 * 1024) },
    });
    const validated = await runCli(['campaign', 'validate', campaign.file, '--via', 'gmail'], { env: s.env });
    expect(validated.code).toBe(2);
    expect(validated.stderr).toContain('Gmail takes at most 35.0 MB');
    expect(s.google.accepted.length).toBe(0);
  });

  test.each(['retry-after', '429', '403'] as const)(
    'throttling (%s form): quota and concurrent-request refusals slow the account down; everyone delivered once, nobody failed',
    async (throttleAnswer) => {
      const s = await setup({ quota: { units: 400, windowMs: 1000 }, maxConcurrent: 2, apiLatencyMs: 50, throttleAnswer });
      await link(s, 'gmail');
      const campaign = await writeCampaign({ csv: recipientsCsv(10) });
      const sent = await send(s, campaign, 'gmail', '--rate', '50/s', '--max-concurrent', '5');
      expect(sent.code).toBe(0);
      expect(s.google.stats.throttled + s.google.stats.concurrent).toBeGreaterThan(0);
      expect((await journal(campaign)).some((line) => line.ev === 'limits')).toBe(true); // AIMD cut the limits
      expect(await deliveredCounts(s.google)).toEqual(once(recipients(10)));
      expect(await totals(s, campaign)).toMatchObject({ sent: 10, failed: 0, deferred: 0, pending: 0 });
    },
  );

  test('the daily cap ("Retry after … (Mail sending)") pauses with exit 75; resume completes after the time Google gave', async () => {
    const s = await setup({ dailyCap: { messages: 3, windowMs: 5000 } });
    await link(s, 'gmail');
    const campaign = await writeCampaign({ csv: recipientsCsv(6) });
    const paused = await send(s, campaign, 'gmail');
    expect(paused.code).toBe(75);
    expect(s.google.accepted.length).toBe(3);
    const { pausedUntil } = JSON.parse(await readFile(path.join(campaign.stateDir, 'state.json'), 'utf8')) as { pausedUntil: string };
    expect(Date.parse(pausedUntil)).toBeGreaterThan(Date.now());
    expect(Date.parse(pausedUntil)).toBeLessThanOrEqual(Date.now() + 5000);

    const early = await resume(s, campaign);
    expect(early.code).toBe(75); // still paused: says nothing (cron), sends nothing
    expect(s.google.accepted.length).toBe(3);

    await sleep(Date.parse(pausedUntil) - Date.now() + 100);
    const resumed = await resume(s, campaign);
    expect(resumed.code).toBe(0);
    expect(await deliveredCounts(s.google)).toEqual(once(recipients(6)));
  });

  test("403 dailyLimitExceeded, which gives no time, pauses (exit 75) until the account's rolling 24 hours free a send", async () => {
    const s = await setup({ dailyCap: { messages: 2, windowMs: 86_400_000, answer: 'dailyLimitExceeded' } });
    await link(s, 'gmail');
    const campaign = await writeCampaign({ csv: recipientsCsv(4) });
    const paused = await send(s, campaign, 'gmail', '--max-concurrent', '1');
    expect(paused.code).toBe(75);
    expect(paused.stderr).toContain('dailyLimitExceeded');
    expect(s.google.accepted.length).toBe(2);
    const { pausedUntil } = JSON.parse(await readFile(path.join(campaign.stateDir, 'state.json'), 'utf8')) as { pausedUntil: string };
    expect(Date.parse(pausedUntil)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    expect(await totals(s, campaign)).toMatchObject({ sent: 2, failed: 0 });
  });

  test('an access token Google ends mid-campaign is renewed once, not once per concurrent send; a rotated refresh token is kept', async () => {
    const s = await setup({ expireTokensAfterSends: 3, apiLatencyMs: 300, tokenLatencyMs: 150, rotateRefreshTokens: true });
    await link(s, 'gmail');
    const campaign = await writeCampaign({ csv: recipientsCsv(12) });
    const sent = await send(s, campaign, 'gmail', '--max-concurrent', '5');
    expect(sent.code).toBe(0);
    expect(s.google.stats.unauthorized).toBeGreaterThanOrEqual(2); // several sends in flight met the ended token
    expect(s.google.stats.refreshes).toBe(2); // one at the start of the run, one after the token ended
    expect(await deliveredCounts(s.google)).toEqual(once(recipients(12)));

    // Each refresh rotated the refresh token and ended the old one: the stored one must be the live one.
    expect(JSON.parse((await secrets(s)).gmail!).refreshToken).toBe(s.google.liveRefreshTokens()[0]);
    expect((await runCli(['accounts', 'test', 'gmail'], { env: s.env })).code).toBe(0);
  });

  test('a revoked grant stops the campaign with exit 1 and says how to link the account again', async () => {
    const s = await setup({ maxConcurrent: 1 });
    await link(s, 'gmail');
    const campaign = await writeCampaign({ csv: recipientsCsv(6) });
    s.google.options.beforeAnswer = () => {
      if (s.google.accepted.length === 2) {
        s.google.revokeGrants(); // the person removed mailshot's access in their Google account
        s.google.expireAccessTokens();
      }
    };
    const stopped = await send(s, campaign, 'gmail', '--max-concurrent', '1');
    expect(stopped.code).toBe(1);
    for (const advice of ['invalid_grant', 'mailshot accounts remove gmail', 'mailshot accounts add google gmail', '7 days'])
      expect(stopped.stderr).toContain(advice);
    expect(stopped.stderr).not.toMatch(/\n\s+at /);
    expect(await deliveredCounts(s.google)).toEqual(once(recipients(2)));
    expect(await totals(s, campaign)).toMatchObject({ sent: 2, failed: 0, in_doubt: 0 });

    const tested = await runCli(['accounts', 'test', 'gmail'], { env: s.env });
    expect(tested.code).toBe(1);
    expect(tested.stderr).toContain('mailshot accounts remove gmail');
    const resumed = await resume(s, campaign);
    expect(resumed.code).toBe(1);
    expect(s.google.accepted.length).toBe(2);
  });

  test('--reconcile: a recipient left in doubt by a crash is found in Sent by its Message-ID and not sent again; without it, it is resent', async () => {
    const s = await setup();
    await link(s, 'lookup', ['--reconcile']);
    await link(s, 'plain');
    expect((await registry(s)).lookup).toMatchObject({ reconcile: true });
    expect((await runCli(['accounts', 'test', 'lookup'], { env: s.env })).stdout).toContain('permissions: send, look up Sent');

    for (const via of ['lookup', 'plain']) {
      const before = s.google.accepted.length;
      const campaign = await writeCampaign({ csv: recipientsCsv(3) });
      // The sender dies after Google accepted r1 and before the answer reached it: r1 is in doubt.
      const child = startCli(['campaign', 'send', campaign.file, '--via', via, '--rate', '100/s', '--max-concurrent', '1'], { env: s.env });
      const crashed = collect(child);
      s.google.options.beforeAnswer = async (message) => {
        if ((await toOf(message)) !== 'r1@example.com') return;
        child.kill('SIGKILL');
        await crashed;
      };
      expect((await crashed).signal).toBe('SIGKILL');
      s.google.options.beforeAnswer = undefined;
      expect(await totals(s, campaign)).toMatchObject({ sent: 1, in_doubt: 1, pending: 1 });

      const resumed = await resume(s, campaign);
      expect(resumed.code).toBe(0);
      const delivered = await Promise.all(s.google.accepted.slice(before).map(toOf));
      if (via === 'lookup') {
        expect(delivered.sort()).toEqual(recipients(3));
        expect((await journal(campaign)).find((line) => line.ev === 'sent' && line.to === 'r1@example.com')!.reply).toContain(
          'found in Sent',
        );
      } else {
        expect(delivered.sort()).toEqual(['r0@example.com', 'r1@example.com', 'r1@example.com', 'r2@example.com']); // resent, with the same Message-ID
      }
      expect(await totals(s, campaign)).toMatchObject({ sent: 3, in_doubt: 0, pending: 0 });
    }
    expect(s.google.stats.lookups).toBeGreaterThanOrEqual(1);
  });
});

describe('the Google simulator', () => {
  test('checks PKCE: a code exchanged with the wrong verifier is spent, so the sign-in then fails (exit 1) and nothing is saved', async () => {
    const s = await setup();
    const signIn = await startGoogleSignIn(s.google, s.env, 'gmail');
    const redirect = await consent(signIn.authUrl);
    const exchange = (verifier: string) =>
      fetch(s.google.env.MAILSHOT_GOOGLE_TOKEN_URL, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: redirect.searchParams.get('code')!,
          code_verifier: verifier,
          client_id: s.google.client.id,
          client_secret: s.google.client.secret,
          redirect_uri: `${redirect.origin}/`,
        }),
      });
    const wrong = await exchange('not-the-verifier-' + 'x'.repeat(40));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: 'invalid_grant', error_description: 'Invalid code verifier.' });
    // the code was spent by the failed attempt, so the CLI's own exchange fails too, and nothing is saved
    await fetch(redirect);
    const result = await signIn.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid_grant');
    await expectNothingSaved(s, 'gmail');
  });
});
