/**
 * `campaign send` through an SMTP account, against a real SMTP server started here
 * (test/servers/smtp.ts). Every assertion is on what the server accepted (counted by envelope
 * recipient), the journal and `report --format json`, exit codes and messages.
 *
 * Timing: the send loop retries a transient failure after ~1 s, then ~2 s (3 attempts), and every
 * new SMTP connection costs ~100 ms (smtp-server's greeting delay), so injected failures hit the
 * first attempt(s) only, and tests that need no shared state run concurrently.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { recipientsCsv, runCli, tempDir, writeCampaign, type CampaignFixture, type CliResult } from './helpers/cli.js';
import { addAccount, fileSecretsEnv, receivedCounts, type Env } from './helpers/smtp.js';
import { startSmtpServer, type InjectedReply, type ReplyStage, type SmtpServerOptions, type SmtpTestServer } from './servers/smtp.js';
import { journalLines } from './helpers/journal.js';
import { reportJson } from './helpers/report.js';

const user = 'sender@example.com';
const password = 'S3cret/+pa55=word-8841';

interface Setup {
  server: SmtpTestServer;
  env: Env & { MAILSHOT_CONFIG_DIR: string };
  campaign: CampaignFixture;
  /** The valid recipients of the campaign's CSV, in order. */
  recipients: string[];
}

/** A server with AUTH, an account "smtp1" linked to it (password in the owner-only file), a campaign of `count` recipients. */
async function setup(
  options: { count?: number; server?: SmtpServerOptions; accountArgs?: string[]; fields?: Record<string, unknown> } = {},
): Promise<Setup> {
  const security = options.server?.security ?? 'none';
  const count = options.count ?? 6;
  const server = await startSmtpServer({ auth: { user, pass: password }, ...options.server });
  const env = await fileSecretsEnv();
  await addAccount(env, 'smtp1', server, { security, user, password, args: options.accountArgs });
  const campaign = await writeCampaign({ csv: recipientsCsv(count), fields: options.fields });
  const recipients = Array.from({ length: count }, (_, index) => `r${index}@example.com`);
  return { server, env, campaign, recipients };
}

/** Runs `body` with a fresh setup and always closes the server (also for concurrent tests, which skip afterEach). */
async function withSetup(options: Parameters<typeof setup>[0], body: (s: Setup) => Promise<void>): Promise<void> {
  const s = await setup(options);
  try {
    await body(s);
  } finally {
    await s.server.close();
  }
}

function send(s: Setup, ...extra: string[]): Promise<CliResult> {
  return runCli(['campaign', 'send', s.campaign.file, '--via', 'smtp1', ...extra], { env: s.env });
}

function resume(s: Setup, ...extra: string[]): Promise<CliResult> {
  return runCli(['campaign', 'resume', s.campaign.file, ...extra], { env: s.env });
}

interface ReportJson {
  via: string;
  status: string;
  totals: { recipients: number; sent: number; failed: number; skipped: number; pending: number; in_doubt: number; deferred: number };
  failed_by_reason: Record<string, number>;
  recipients: { recipient: string; status: string; reason?: string; code?: string; detail?: string }[];
}

async function report(s: Setup): Promise<ReportJson> {
  return reportJson<ReportJson>(s.campaign.file, [], { env: s.env, spawn: true });
}

type JournalLine = { ev: string; to?: string; code?: string; kind?: string };

const journal = (s: Setup): Promise<JournalLine[]> => journalLines<JournalLine>(s.campaign.stateDir);

/** Events of one kind per recipient, from the journal. */
async function journalCounts(s: Setup, ev: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const line of await journal(s)) if (line.ev === ev && line.to) counts.set(line.to, (counts.get(line.to) ?? 0) + 1);
  return counts;
}

/** Every recipient accepted by the server exactly once, nobody else. */
function expectEachReceivedOnce(server: SmtpTestServer, recipients: string[]): void {
  expect(Object.fromEntries(receivedCounts(server))).toEqual(Object.fromEntries(recipients.map((to) => [to, 1])));
}

/** The report says everyone was sent, and its totals agree with the server and the journal. */
async function expectAllSent(s: Setup): Promise<void> {
  const json = await report(s);
  expect(json.totals).toMatchObject({
    recipients: s.recipients.length,
    sent: s.recipients.length,
    failed: 0,
    deferred: 0,
    pending: 0,
    in_doubt: 0,
  });
  expect(
    json.recipients
      .filter((r) => r.status === 'sent')
      .map((r) => r.recipient)
      .sort(),
  ).toEqual([...s.recipients].sort());
  expect([...(await journalCounts(s, 'sent')).values()]).toEqual(s.recipients.map(() => 1));
}

/** A reply hook that answers `reply` at `stage` for `recipient` the first `times` times that recipient comes up there. */
function firstAttempts(stage: ReplyStage, recipient: string, reply: InjectedReply, times = 1) {
  let left = times;
  return (at: ReplyStage, session: { to: string[] }, rcpt?: string): InjectedReply => {
    const target = at === 'rcpt' ? rcpt : session.to[0];
    if (at !== stage || target !== recipient || left <= 0) return undefined;
    left--;
    return reply;
  };
}

describe('campaign send through an SMTP account', () => {
  test('--via NAME: every valid recipient delivered exactly once; journal, report and a second run agree', async () => {
    await withSetup({}, async (s) => {
      // plus a duplicate and an invalid row, which are skipped and never reach the server
      const csv = recipientsCsv(s.recipients.length) + 'R0@Example.com,Dup\nnot-an-address,Bad\n';
      s.campaign = await writeCampaign({ dir: s.campaign.dir, csv });
      const sent = await send(s);
      expect(sent.code).toBe(0);
      expect(sent.stderr).toContain(`done: sent ${s.recipients.length}`);
      expectEachReceivedOnce(s.server, s.recipients);
      expect(s.server.received.every((m) => m.user === user && m.from === 'sender@example.com')).toBe(true);
      expect(new Set(s.server.received.map((m) => m.messageId)).size).toBe(s.recipients.length);
      const json = await report(s);
      expect(json.via).toBe('smtp1');
      expect(json.totals).toMatchObject({ skipped: 2 });
      await expectAllSent(s);
      expect(json.recipients.find((r) => r.recipient === 'r0@example.com')?.detail).toMatch(/^250 /);

      const again = await resume(s);
      expect(again.code).toBe(0);
      expect(s.server.received).toHaveLength(s.recipients.length);
    });
  });

  test('`via: NAME` in the campaign file sends through that account', async () => {
    await withSetup({ fields: { via: 'smtp1' } }, async (s) => {
      const sent = await runCli(['campaign', 'send', s.campaign.file], { env: s.env });
      expect(sent.code).toBe(0);
      expectEachReceivedOnce(s.server, s.recipients);
      expect((await report(s)).via).toBe('smtp1');
      await expectAllSent(s);
    });
  });

  test('--json: one JSON object per line on stdout, a sent event per recipient', async () => {
    await withSetup({}, async (s) => {
      const sent = await send(s, '--json');
      expect(sent.code).toBe(0);
      const events = sent.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; to?: string; outcome?: string; status?: string });
      expect(events[0]).toMatchObject({ type: 'start', via: 'smtp1', to_send: s.recipients.length });
      expect(
        events
          .filter((e) => e.type === 'recipient')
          .map((e) => [e.to, e.outcome])
          .sort(),
      ).toEqual(s.recipients.map((to) => [to, 'sent']).sort());
      expect(events.at(-1)).toMatchObject({ type: 'end', status: 'done' });
      expectEachReceivedOnce(s.server, s.recipients);
    });
  });
});

describe('connection limits', () => {
  test.concurrent.each([
    [2, 'accounts add'],
    [3, 'campaign send'],
  ] as const)('--max-concurrent %i on %s: never more connections open at once, over 40 recipients', async (max, where) => {
    const flag = ['--max-concurrent', String(max)];
    // the server is as strict as the cap (like Postfix's anvil): one connection more would get 421
    await withSetup(
      { count: 40, server: { delayMs: 25, maxConnections: max }, accountArgs: where === 'accounts add' ? flag : [] },
      async (s) => {
        const sent = await send(s, ...(where === 'campaign send' ? flag : []));
        expect(sent.code).toBe(0);
        expectEachReceivedOnce(s.server, s.recipients);
        expect(s.server.peakConnections).toBeLessThanOrEqual(max);
        expect(s.server.peakConnections).toBeGreaterThan(1); // it did send in parallel: the cap was what held it
        expect(s.server.refusedConnections).toBe(0);
        await expectAllSent(s);
      },
    );
  });

  test.concurrent('the connection that signs in before the run carries its first messages: one connection for 3 recipients', async () => {
    await withSetup({ count: 3, server: { maxConnections: 1 }, accountArgs: ['--max-concurrent', '1'] }, async (s) => {
      const sent = await send(s);
      expect(sent.code).toBe(0);
      expectEachReceivedOnce(s.server, s.recipients);
      expect(s.server.connectionsOpened).toBe(1);
      expect(new Set(s.server.received.map((message) => message.sessionId)).size).toBe(1);
      expect(s.server.refusedConnections).toBe(0);
    });
  });

  test.concurrent('--per-connection 5: a new connection at least every 5 messages', async () => {
    await withSetup({ count: 40, accountArgs: ['--per-connection', '5', '--max-concurrent', '2'] }, async (s) => {
      const sent = await send(s);
      expect(sent.code).toBe(0);
      expectEachReceivedOnce(s.server, s.recipients);
      // The connection that signs in before the run carries messages too, so 8 connections can carry all 40.
      expect(s.server.connectionsOpened).toBeGreaterThanOrEqual(Math.ceil(40 / 5));
      const perSession = new Map<string, number>();
      for (const message of s.server.received) perSession.set(message.sessionId, (perSession.get(message.sessionId) ?? 0) + 1);
      expect(Math.max(...perSession.values())).toBeLessThanOrEqual(5);
      expect(s.server.peakConnections).toBeLessThanOrEqual(2);
    });
  });
});

describe('replies injected by the server', () => {
  test.concurrent.each([
    ['rcpt', 550, '5.1.1 The email account that you tried to reach does not exist.', '550 5.1.1'],
    ['data', 554, '5.7.1 Message rejected due to content restrictions', '554 5.7.1'],
  ] as const)('%s → %i %s: that recipient failed with its code, the others sent, exit 0', async (stage, code, message, reportCode) => {
    const bad = 'r2@example.com';
    await withSetup({ server: { replies: firstAttempts(stage, bad, { code, message }, Infinity) } }, async (s) => {
      const sent = await send(s);
      expect(sent.code).toBe(0);
      expect(sent.stderr).toContain(`done: sent ${s.recipients.length - 1}, failed 1`);
      const others = s.recipients.filter((to) => to !== bad);
      expectEachReceivedOnce(s.server, others);
      const json = await report(s);
      expect(json.totals).toMatchObject({ sent: others.length, failed: 1, deferred: 0, pending: 0 });
      expect(json.failed_by_reason).toEqual({ permanent: 1 });
      expect(json.recipients.find((r) => r.recipient === bad)).toMatchObject({
        status: 'failed',
        reason: 'permanent',
        code: reportCode,
        detail: expect.stringContaining(message),
      });
      expect((await journalCounts(s, 'attempt')).get(bad)).toBe(1); // a permanent refusal is not retried
      const failedOnly = await reportJson(s.campaign.file, ['--failed'], { env: s.env, spawn: true });
      expect(failedOnly.recipients.map((r) => r.recipient)).toEqual([bad]);
    });
  });

  // Each reply hits the first attempt(s) of one recipient only: the loop must retry it, and it must
  // reach the server exactly once (a 4xx, a 421 or a connection cut before the body means "not accepted";
  // a cut after the body leaves it in doubt: test/in-doubt.test.ts).
  test.concurrent.each([
    ['rcpt', { code: 450, message: '4.2.1 The user you are trying to contact is receiving email too quickly.' }, 1],
    ['data', { code: 451, message: '4.3.0 Requested action aborted: local error in processing' }, 1],
    ['rcpt', { code: 452, message: '4.5.3 Your message has too many recipients.' }, 1],
    ['rcpt', { code: 454, message: '4.7.0 Too many login attempts, please try again later.' }, 1],
    ['rcpt', { code: 421, message: '4.7.0 Try again later, closing connection.' }, 1],
    ['data', { code: 421, message: '4.7.0 Try again later, closing connection.' }, 1],
    ['rcpt', 'drop', 1],
    // twice: a temporary reply about the message (one about the recipient waits minutes: test/account-limits.test.ts)
    ['data', { code: 451, message: '4.3.0 Requested action aborted: local error in processing' }, 2],
  ] as const)('%s → %j for the first %i attempt(s): retried, delivered exactly once, no failures', async (stage, reply, times) => {
    const target = 'r1@example.com';
    await withSetup({ server: { replies: firstAttempts(stage, target, reply, times) } }, async (s) => {
      const sent = await send(s);
      expect(sent.stderr).toContain(`done: sent ${s.recipients.length}, failed 0, deferred 0`);
      expect(sent.code).toBe(0);
      expect(s.server.injected).toHaveLength(times);
      expectEachReceivedOnce(s.server, s.recipients);
      expect((await journalCounts(s, 'attempt')).get(target)).toBe(times + 1);
      await expectAllSent(s);
    });
  });

  test('451 on every attempt: that recipient deferred, exit 75; resume delivers it once', async () => {
    const stuck = 'r3@example.com';
    await withSetup(
      {
        server: {
          replies: firstAttempts(
            'data',
            stuck,
            { code: 451, message: '4.3.0 Requested action aborted: local error in processing' },
            Infinity,
          ),
        },
      },
      async (s) => {
        const sent = await send(s);
        expect(sent.code).toBe(75);
        expect(sent.stderr).toMatch(/1 recipient\(s\) deferred/);
        expect(sent.stderr).toContain('campaign resume');
        const others = s.recipients.filter((to) => to !== stuck);
        expectEachReceivedOnce(s.server, others);
        const before = await report(s);
        expect(before.totals).toMatchObject({ sent: others.length, failed: 0, deferred: 1, pending: 1 });
        expect(before.recipients.find((r) => r.recipient === stuck)).toMatchObject({ status: 'deferred', code: '451 4.3.0' });
        expect((await journalCounts(s, 'attempt')).get(stuck)).toBe(3);

        s.server.setReply(undefined);
        const resumed = await resume(s);
        expect(resumed.stderr).toContain('done: sent 1, failed 0');
        expect(resumed.code).toBe(0);
        expectEachReceivedOnce(s.server, s.recipients);
        await expectAllSent(s);
        expect((await report(s)).status).toBe('done');
      },
    );
  });
});

describe('authentication fails in the middle of a campaign', () => {
  /** A server whose password changes once it has accepted `after` messages (checked at each MAIL FROM). */
  function passwordChangesAfter(after: number) {
    const auth = { user, pass: password };
    let server: SmtpTestServer | undefined;
    const options: SmtpServerOptions = {
      auth,
      replies: () => {
        if (server && server.received.length >= after) auth.pass = 'the-new-password';
        return undefined;
      },
    };
    return { options, auth, bind: (s: SmtpTestServer) => (server = s) };
  }

  test('stored password: exit 1 with how to re-link; after re-linking, resume completes, each recipient once', async () => {
    const change = passwordChangesAfter(4);
    // one connection at a time, 2 messages each: the 3rd connection signs in after the change
    await withSetup({ count: 10, server: change.options, accountArgs: ['--max-concurrent', '1', '--per-connection', '2'] }, async (s) => {
      change.bind(s.server);
      const sent = await send(s);
      expect(sent.code).toBe(1);
      expect(sent.stderr).toContain('535 5.7.8 Username and Password not accepted.');
      // advice that works when followed: `accounts add` alone refuses a name that exists
      expect(sent.stderr).toMatch(
        /give the right password with mailshot accounts set smtp1 --password-stdin; a wrong user name needs mailshot accounts remove smtp1, then mailshot accounts add smtp smtp1 /,
      );
      const delivered = s.server.received.length;
      expect(delivered).toBeGreaterThanOrEqual(4);
      expect(delivered).toBeLessThan(s.recipients.length);
      const stopped = await report(s);
      expect(stopped.totals.sent).toBe(delivered);
      expect(stopped.totals.failed).toBe(0);

      // the fix the message points to: link the account again with the new password
      expect((await runCli(['accounts', 'remove', 'smtp1'], { env: s.env })).code).toBe(0);
      await addAccount(s.env, 'smtp1', s.server, { user, password: change.auth.pass });
      const resumed = await resume(s);
      expect(resumed.code).toBe(0);
      expect(resumed.stderr).toContain(`done: sent ${s.recipients.length - delivered}`);
      expectEachReceivedOnce(s.server, s.recipients);
      await expectAllSent(s);
    });
  });

  test('--password-env: exit 1; resume with the variable set to the new password completes', async () => {
    const change = passwordChangesAfter(4);
    const server = await startSmtpServer(change.options);
    change.bind(server);
    try {
      const env = { ...(await fileSecretsEnv()), SMTP1_PASSWORD: password };
      const added = await runCli(
        [
          'accounts',
          'add',
          'smtp',
          'smtp1',
          '--host',
          server.host,
          '--port',
          String(server.port),
          '--security',
          'none',
          '--user',
          user,
          '--password-env',
          'SMTP1_PASSWORD',
          '--max-concurrent',
          '1',
          '--per-connection',
          '2',
        ],
        { env },
      );
      expect(added.code).toBe(0);
      const campaign = await writeCampaign({ csv: recipientsCsv(10) });
      const recipients = Array.from({ length: 10 }, (_, index) => `r${index}@example.com`);
      const sent = await runCli(['campaign', 'send', campaign.file, '--via', 'smtp1'], { env });
      expect(sent.code).toBe(1);
      expect(sent.stderr).toContain('535 5.7.8');
      expect(server.received.length).toBeLessThan(recipients.length);

      const stillOld = await runCli(['campaign', 'resume', campaign.file], { env });
      expect(stillOld.code).toBe(1); // the pre-send check stops it before anything goes out
      const resumed = await runCli(['campaign', 'resume', campaign.file], { env: { ...env, SMTP1_PASSWORD: change.auth.pass } });
      expect(resumed.code).toBe(0);
      expectEachReceivedOnce(server, recipients);
    } finally {
      await server.close();
    }
  });
});

describe('secrets hygiene', () => {
  /** Every file and folder under `dir`, recursively. */
  async function entriesUnder(dir: string): Promise<{ files: string[]; folders: string[] }> {
    const found = { files: [] as string[], folders: [dir] };
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        const below = await entriesUnder(full);
        found.files.push(...below.files);
        found.folders.push(...below.folders);
      } else if (entry.isFile()) found.files.push(full);
    }
    return found;
  }

  const modeOf = async (file: string) => ((await stat(file)).mode & 0o777).toString(8);

  test('every command, run with a known password: it is nowhere (plain or base64) but in secrets.json; secrets and state are owner-only', async () => {
    const server = await startSmtpServer({
      security: 'starttls',
      auth: { user, pass: password },
      replies: firstAttempts('rcpt', 'r4@example.com', { code: 550, message: '5.1.1 User unknown' }, Infinity),
    });
    try {
      // a config folder that mailshot creates itself, so that its mode is mailshot's doing
      const configDir = path.join(await tempDir('mailshot-config-'), 'mailshot');
      const env = { MAILSHOT_CONFIG_DIR: configDir, MAILSHOT_SECRET_STORE: 'file', SMTP1_PASSWORD: password };
      const campaign = await writeCampaign({ csv: recipientsCsv(6) });
      const outboxCampaign = await writeCampaign({ csv: recipientsCsv(3) });
      const envyCampaign = await writeCampaign({ csv: recipientsCsv(2) });
      const server1 = ['--host', server.host, '--port', String(server.port), '--security', 'starttls', '--insecure-tls'];
      const commands: { args: string[]; code: number; input?: string }[] = [
        { args: ['accounts', 'add', 'smtp', 'smtp1', ...server1, '--user', user, '--password-stdin'], input: `${password}\n`, code: 0 },
        { args: ['accounts', 'add', 'smtp', 'envy', ...server1, '--user', user, '--password-env', 'SMTP1_PASSWORD'], code: 0 },
        // the password is right, the user name is not: the failure's messages must not carry the password either
        {
          args: ['accounts', 'add', 'smtp', 'wrong', ...server1, '--user', 'someone@example.com', '--password-stdin'],
          input: password,
          code: 0,
        },
        { args: ['accounts', 'set', 'smtp1', '--max-concurrent', '2'], code: 0 },
        { args: ['accounts', 'list'], code: 0 },
        { args: ['accounts', 'list', '--json'], code: 0 },
        { args: ['accounts', 'test', 'smtp1'], code: 0 },
        { args: ['accounts', 'test', 'envy', '--json'], code: 0 },
        { args: ['accounts', 'test', 'wrong'], code: 1 },
        { args: ['accounts', 'test', 'wrong', '--json'], code: 1 },
        { args: ['campaign', 'validate', campaign.file, '--via', 'smtp1'], code: 0 },
        { args: ['campaign', 'preview', campaign.file], code: 0 },
        { args: ['campaign', 'preview', campaign.file, '--raw'], code: 0 },
        { args: ['campaign', 'send', campaign.file, '--via', 'wrong'], code: 1 },
        { args: ['campaign', 'send', campaign.file, '--via', 'smtp1', '--limit', '3', '--json'], code: 75 },
        { args: ['campaign', 'status', campaign.file], code: 0 },
        { args: ['campaign', 'resume', campaign.file, '--json'], code: 0 },
        { args: ['campaign', 'send', envyCampaign.file, '--via', 'envy'], code: 0 },
        { args: ['campaign', 'status', campaign.file, '--json'], code: 0 },
        { args: ['campaign', 'cron', campaign.file], code: 0 },
        { args: ['report', campaign.file], code: 0 },
        { args: ['report', campaign.file, '--failed'], code: 0 },
        { args: ['report', campaign.file, '--format', 'json'], code: 0 },
        { args: ['report', campaign.file, '--format', 'csv'], code: 0 },
        { args: ['report', campaign.file, '--format', 'html'], code: 0 },
        { args: ['campaign', 'send', outboxCampaign.file], code: 0 },
        { args: ['accounts', 'remove', 'envy'], code: 0 },
      ];
      const outputs: [string, string][] = [];
      for (const { args, code, input } of commands) {
        const result = await runCli(args, { env, input });
        expect({ command: args.slice(0, 3).join(' '), code: result.code, stderr: result.stderr }).toMatchObject({ code });
        outputs.push([`stdout of ${args.join(' ')}`, result.stdout], [`stderr of ${args.join(' ')}`, result.stderr]);
      }
      expect(server.received).toHaveLength(7); // it did sign in and send: 5 of the campaign (r4 is refused), 2 of the env-password account's own
      expect(server.authAttempts.filter((attempt) => !attempt.ok).length).toBeGreaterThan(0); // and did meet a refusal

      const forms = [
        password,
        Buffer.from(password).toString('base64'), // AUTH LOGIN
        Buffer.from(password).toString('base64url'),
        Buffer.from(`\0${user}\0${password}`).toString('base64'), // AUTH PLAIN
        Buffer.from(`\0someone@example.com\0${password}`).toString('base64'),
      ];
      const secretFile = path.join(configDir, 'secrets.json');
      expect(await readFile(secretFile, 'utf8')).toContain(password); // the search can find it where it belongs
      const config = await entriesUnder(configDir);
      const states = [await entriesUnder(campaign.stateDir), await entriesUnder(outboxCampaign.stateDir)];
      const files = [...config.files.filter((file) => file !== secretFile), ...states.flatMap((state) => state.files)];
      expect(files.map((file) => path.basename(file))).toEqual(
        expect.arrayContaining([
          'accounts.json',
          'journal.jsonl',
          'state.json',
          'report.html',
          expect.stringMatching(/\.eml$/),
          expect.stringMatching(/^\d{4}-\d\d-\d\d\.log$/),
        ]),
      );
      const places = [
        ...(await Promise.all(files.map(async (file): Promise<[string, string]> => [file, await readFile(file, 'latin1')]))),
        ...outputs,
      ];
      const leaks = places.flatMap(([where, text]) => forms.filter((form) => text.includes(form)).map((form) => `${where}: ${form}`));
      expect(leaks).toEqual([]);

      // Owner-only: the secrets, the account settings, and the state folder (it holds the recipient list's outcomes).
      const folders = [...config.folders, ...states.flatMap((state) => state.folders), path.dirname(campaign.stateDir)];
      const files600 = [secretFile, ...files];
      const modes = Object.fromEntries([
        ...(await Promise.all(folders.map(async (folder) => [folder, await modeOf(folder)]))),
        ...(await Promise.all(files600.map(async (file) => [file, await modeOf(file)]))),
      ]);
      const expected = Object.fromEntries([...folders.map((folder) => [folder, '700']), ...files600.map((file) => [file, '600'])]);
      expect(modes).toEqual(expected);
    } finally {
      await server.close();
    }
  });
});

describe('bad input', () => {
  test('--via naming an unknown account: exit 2, the message names it, nothing sent or started', async () => {
    await withSetup({}, async (s) => {
      const result = await runCli(['campaign', 'send', s.campaign.file, '--via', 'nosuch'], { env: s.env });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('no account named "nosuch"');
      expect(result.stderr).toContain('smtp1'); // the accounts that do exist
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(s.server.connectionsOpened).toBe(0);
      // An InputError promises "nothing was written" (src/errors.ts): the campaign must not look started.
      await expect(stat(path.join(s.campaign.stateDir, 'state.json'))).rejects.toMatchObject({ code: 'ENOENT' });
      const fixed = await send(s);
      expect(fixed.code).toBe(0);
      expectEachReceivedOnce(s.server, s.recipients);
    });
  });

  test('a --password-env account whose variable is unset at send time: exit 1, names the variable, nothing sent', async () => {
    const server = await startSmtpServer({ auth: { user, pass: password } });
    try {
      const env = await fileSecretsEnv();
      const add = [
        'accounts',
        'add',
        'smtp',
        'envy',
        '--host',
        server.host,
        '--port',
        String(server.port),
        '--security',
        'none',
        '--user',
        user,
        '--password-env',
        'MAILSHOT_TEST_SMTP_PW',
      ];
      expect((await runCli(add, { env: { ...env, MAILSHOT_TEST_SMTP_PW: password } })).code).toBe(0);
      const campaign = await writeCampaign();
      const result = await runCli(['campaign', 'send', campaign.file, '--via', 'envy'], {
        env: { ...env, MAILSHOT_TEST_SMTP_PW: undefined },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('$MAILSHOT_TEST_SMTP_PW');
      expect(result.stderr).toContain('not set');
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(server.connectionsOpened).toBe(0);
      expect(server.received).toEqual([]);
      const tested = await runCli(['accounts', 'test', 'envy'], { env: { ...env, MAILSHOT_TEST_SMTP_PW: undefined } });
      expect(tested.code).toBe(1);
      expect(tested.stderr).toContain('$MAILSHOT_TEST_SMTP_PW');
    } finally {
      await server.close();
    }
  });
});
