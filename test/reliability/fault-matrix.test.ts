/**
 * The rest of the fault matrix, each case against the SMTP server in a process of its own and checked at
 * the server by Message-ID (harness.ts): nobody lost, every extra copy reported in doubt with the same
 * Message-ID, and nobody in doubt after a graceful stop.
 *   (d) SIGHUP   (e) stdout closed mid-send   (f) journal emptied / cut / poisoned, state deleted
 *   (g) usage log unwritable   (h) a FIFO attachment on resume
 * Stop points are drawn from the seed; MAILSHOT_TEST_SEED=N replays a run.
 */
import { execFileSync } from 'node:child_process';
import { appendFile, copyFile, mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { collect, recipientsCsv, runCli, startCli, writeCampaign, type CampaignFixture } from '../helpers/cli.js';
import { between, seededRandom, testSeed } from '../helpers/random.js';
import { addAccount, fileSecretsEnv, until, type Env } from '../helpers/smtp.js';
import { journalFile } from '../helpers/journal.js';
import {
  expectExactlyOnceOrInDoubt,
  inDoubtNow,
  readLog,
  recipientList,
  settled,
  startServerProcess,
  type ServerProcess,
} from './harness.js';
import { readFileSync } from 'node:fs';

const seed = testSeed(1414);
const random = seededRandom(seed);
const recipients = 30;
let server: ServerProcess;
let env: Env & { MAILSHOT_CONFIG_DIR: string };

beforeAll(async () => {
  server = await startServerProcess({ delayMs: 60 });
  env = await fileSecretsEnv();
  await addAccount(env, 'sink', { host: '127.0.0.1', port: server.port }, { args: ['--max-concurrent', '4'] });
});
afterAll(() => server.stop());

/** Each case uses its own domain, so the shared server's log tells the cases apart. */
async function campaignFor(
  name: string,
  extra: Parameters<typeof writeCampaign>[0] = {},
): Promise<{ campaign: CampaignFixture; to: string[] }> {
  const csv = recipientsCsv(recipients).replace(/@example\.com/g, `@${name}.example.com`);
  const campaign = await writeCampaign({ csv, ...extra });
  return { campaign, to: recipientList(recipients).map((to) => to.replace('@example.com', `@${name}.example.com`)) };
}

const acceptedFor = async (domain: string) =>
  (await readLog(server.logFile)).filter((message) => message.to.endsWith(`@${domain}.example.com`));
const acceptedCount = (domain: string) =>
  readFileSync(server.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes(`@${domain}.example.com`)).length;

/** Resumes until done; returns how often each recipient was in doubt at a stop. */
async function finish(campaign: CampaignFixture, inDoubtAtStops: Map<string, number>): Promise<void> {
  for (let run = 0; ; run++) {
    expect(run).toBeLessThan(4);
    const result = await runCli(['campaign', 'resume', campaign.file], { env });
    expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
    if (result.code === 0) return;
    expect(result.code).toBe(75);
    await settled(server);
    for (const to of await inDoubtNow(campaign.file, env)) inDoubtAtStops.set(to, (inDoubtAtStops.get(to) ?? 0) + 1);
  }
}

describe(`fault matrix (seed ${seed})`, () => {
  test.each([1, 2, 3])('(d) SIGHUP, trial %i: in-flight messages finish and are recorded, exit 75, nobody in doubt', async (trial) => {
    const { campaign, to } = await campaignFor(`hup${trial}`);
    const after = between(random, 1, recipients - 5);
    const sender = startCli(['campaign', 'send', campaign.file, '--via', 'sink'], { env });
    const exited = collect(sender);
    expect(await until(() => acceptedCount(`hup${trial}`) >= after, 20_000)).toBe(true);
    sender.kill('SIGHUP');
    const result = await exited;
    expect(result.code).toBe(75);
    expect(result.stderr).toContain('paused: interrupted');
    await settled(server);
    expect((await inDoubtNow(campaign.file, env)).size).toBe(0);
    await finish(campaign, new Map());
    expectExactlyOnceOrInDoubt(await acceptedFor(`hup${trial}`), to, new Map());
  });

  test.each([1, 2, 3])(
    '(e) stdout closed mid-send (`send --json | head`), trial %i: exit 75, no stack trace, nobody in doubt',
    async (trial) => {
      const { campaign, to } = await campaignFor(`pipe${trial}`);
      const lines = between(random, 1, 10);
      const sender = startCli(['campaign', 'send', campaign.file, '--via', 'sink', '--json'], { env });
      let stderr = '';
      let seen = 0;
      sender.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      sender.stdout!.on('data', (chunk: Buffer) => {
        seen += chunk.toString().split('\n').length - 1;
        if (seen >= lines) sender.stdout!.destroy();
      });
      const code = await new Promise<number | null>((resolve) => sender.on('close', (exitCode) => resolve(exitCode)));
      expect(stderr).not.toMatch(/unexpected error|\n\s+at |EPIPE/);
      expect(code).toBe(75);
      await settled(server);
      expect((await inDoubtNow(campaign.file, env)).size).toBe(0);
      await finish(campaign, new Map());
      expectExactlyOnceOrInDoubt(await acceptedFor(`pipe${trial}`), to, new Map());
    },
  );

  test.each([
    ['emptied', 1, (journal: string) => writeFile(journal, '')],
    ['cut to half', 1, async (journal: string) => truncate(journal, Math.floor((await readFile(journal)).length / 2))],
    [
      'poisoned (an unknown event in the middle)',
      2,
      async (journal: string) => {
        const lines = (await readFile(journal, 'utf8')).split('\n');
        lines.splice(2, 0, '{"ev":"sEnt","to":"r9@x.example.com","at":1,"reply":"250"}');
        await writeFile(journal, lines.join('\n'));
      },
    ],
  ])(
    '(f) journal %s: resume refuses (exit %i), nothing resent; with the journal restored, resume completes',
    async (_how, exit, damage) => {
      const name = `journal${exit}${Math.floor(random() * 1e6)}`;
      const { campaign, to } = await campaignFor(name);
      expect(
        (await runCli(['campaign', 'send', campaign.file, '--via', 'sink', '--limit', String(between(random, 5, 20))], { env })).code,
      ).toBe(75);
      const journal = journalFile(campaign.stateDir);
      await copyFile(journal, `${journal}.backup`);
      await damage(journal);
      const before = (await acceptedFor(name)).length;
      const refused = await runCli(['campaign', 'resume', campaign.file], { env });
      expect(refused.code).toBe(exit);
      expect(refused.stderr).toContain(journal);
      expect(refused.stderr).not.toMatch(/\n\s+at |move the state folder away/);
      expect((await acceptedFor(name)).length).toBe(before);
      await copyFile(`${journal}.backup`, journal);
      await finish(campaign, new Map());
      expectExactlyOnceOrInDoubt(await acceptedFor(name), to, new Map());
    },
  );

  test('(f) state.json deleted with a recipient in doubt: refused (exit 1); `campaign repair` keeps the campaign id, so the resend has the same Message-ID', async () => {
    const { campaign, to } = await campaignFor('nostate');
    expect((await runCli(['campaign', 'send', campaign.file, '--via', 'sink', '--limit', '10'], { env })).code).toBe(75);
    // A crash with one recipient handed over: its message at the server, its attempt but no outcome in the journal.
    const journal = journalFile(campaign.stateDir);
    const lines = (await readFile(journal, 'utf8')).trimEnd().split('\n');
    const lastSent = lines.findLastIndex((line) => line.includes('"ev":"sent"'));
    const inDoubt = (JSON.parse(lines[lastSent]!) as { to: string }).to;
    await writeFile(journal, lines.filter((_, index) => index !== lastSent).join('\n') + '\n');
    await rm(path.join(campaign.stateDir, 'state.json'));
    const refused = await runCli(['campaign', 'resume', campaign.file], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('campaign repair');
    expect((await runCli(['campaign', 'repair', campaign.file], { env })).code).toBe(0);
    await finish(campaign, new Map());
    expectExactlyOnceOrInDoubt(await acceptedFor('nostate'), to, new Map([[inDoubt, 1]]));
    expect((await acceptedFor('nostate')).filter((message) => message.to === inDoubt)).toHaveLength(2);
  });

  test('(g) usage log unwritable: exit 1 naming it, nothing sent; once writable, resume completes', async () => {
    const { campaign, to } = await campaignFor('usage');
    const usageEnv = await fileSecretsEnv();
    await addAccount(usageEnv, 'counted', { host: '127.0.0.1', port: server.port });
    const usageDir = path.join(usageEnv.MAILSHOT_CONFIG_DIR, 'usage', 'counted');
    await mkdir(path.dirname(usageDir), { recursive: true });
    await writeFile(usageDir, ''); // a file where the folder should be: nothing can be written (for root too)
    const stopped = await runCli(['campaign', 'send', campaign.file, '--via', 'counted'], { env: usageEnv });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain(`cannot write the account's daily usage log ${usageDir}`);
    expect(await acceptedFor('usage')).toHaveLength(0);
    await rm(usageDir);
    expect((await runCli(['campaign', 'resume', campaign.file], { env: usageEnv })).code).toBe(0);
    expectExactlyOnceOrInDoubt(await acceptedFor('usage'), to, new Map());
  });

  test('(h) a FIFO attachment of a row added before resume: that recipient fails, no hang, everyone else once', async () => {
    const files = Object.fromEntries(recipientList(recipients).map((_, index) => [`files/Person ${index}.txt`, `for ${index}`]));
    const { campaign, to } = await campaignFor('fifo', { fields: { attachments: ['files/{{ name }}.txt'] }, files });
    expect((await runCli(['campaign', 'send', campaign.file, '--via', 'sink', '--limit', '5'], { env })).code).toBe(75);
    execFileSync('mkfifo', [path.join(campaign.dir, 'files', 'Late.txt')]);
    await appendFile(path.join(campaign.dir, 'recipients.csv'), 'late@fifo.example.com,Late\n');
    const resumed = await runCli(['campaign', 'resume', campaign.file], { env });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('failed 1');
    expectExactlyOnceOrInDoubt(await acceptedFor('fifo'), to, new Map());
  }, 30_000);
});
