/**
 * What a new user meets first, through the CLI as a process: a rehearsal through the outbox never counts
 * as sending, a state folder belongs to one campaign file and one account, `campaign reset` and
 * `campaign test`, the question before a first real send, durations with units, rows that do not fit
 * the header and "Name <address>" cells. Real sends go to the SMTP test server (test/servers/smtp.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mailshotBin, recipientsCsv, runCli, writeCampaign, type CampaignFixture } from './helpers/cli.js';
import { addAccount, fileSecretsEnv, receivedCounts, smtpServersPerTest, type Env } from './helpers/smtp.js';
import type { SmtpTestServer } from './servers/smtp.js';
import { journalFile, journalLines } from './helpers/journal.js';
import { reportJson } from './helpers/report.js';
import { runInProcess } from './helpers/in-process.js';

const startServer = smtpServersPerTest();

interface Setup {
  server: SmtpTestServer;
  env: Env & { MAILSHOT_CONFIG_DIR: string };
  campaign: CampaignFixture;
}

async function setup(count = 4, accountArgs: string[] = []): Promise<Setup> {
  const server = await startServer();
  const env = await fileSecretsEnv();
  await addAccount(env, 'work', server, { args: accountArgs });
  const campaign = await writeCampaign({ csv: recipientsCsv(count) });
  return { server, env, campaign };
}

function cli(s: Setup, ...args: string[]) {
  return runCli(args, { env: s.env });
}

describe('an outbox run is a rehearsal', () => {
  test('send --limit 2 to the outbox, then send --via work: every recipient gets the real message once', async () => {
    const s = await setup(4);
    expect((await cli(s, 'campaign', 'send', s.campaign.file, '--limit', '2')).code).toBe(75);
    const real = await cli(s, 'campaign', 'send', s.campaign.file, '--via', 'work');
    expect(real.code).toBe(0);
    expect(real.stderr).toMatch(/rehearsal and counts for nothing: it is kept in (\S+campaign\.yaml\.rehearsal-\S+) /);
    expect([...receivedCounts(s.server).entries()].sort()).toEqual(['r0', 'r1', 'r2', 'r3'].map((r) => [`${r}@example.com`, 1]));

    const report = await reportJson(s.campaign.file, [], { env: s.env });
    expect(report).toMatchObject({ via: 'work', totals: { sent: 4, pending: 0 } });
    const kept = /kept in (\S+) /.exec(real.stderr)![1];
    const rehearsal = await reportJson(s.campaign.file, ['--state', kept], { env: s.env });
    expect(rehearsal).toMatchObject({ via: 'outbox', totals: { sent: 2 } });
  });

  test('after a full outbox run, a misspelt --via fails and changes nothing; resume --via refuses to start afresh', async () => {
    const s = await setup(2);
    expect((await cli(s, 'campaign', 'send', s.campaign.file)).code).toBe(0);
    const misspelt = await cli(s, 'campaign', 'send', s.campaign.file, '--via', 'wrok');
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain('no account named "wrok"');
    expect(await readdir(path.dirname(s.campaign.stateDir))).toEqual(['campaign.yaml']);
    const resumed = await cli(s, 'campaign', 'resume', s.campaign.file, '--via', 'work');
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain('never started through "work"');
    expect(s.server.received).toHaveLength(0);
  });
});

describe('a state folder belongs to one campaign file and one account', () => {
  test('a campaign started through an account does not continue through another (nor the outbox)', async () => {
    const s = await setup(3);
    expect((await cli(s, 'campaign', 'send', s.campaign.file, '--via', 'work', '--limit', '1')).code).toBe(75);
    for (const via of ['outbox', 'other']) {
      const other = await cli(s, 'campaign', 'send', s.campaign.file, '--via', via);
      expect(other.code).toBe(2);
      expect(other.stderr).toMatch(/was started through "work" and continues through it only .*--state DIR.*campaign reset/);
    }
    expect(s.server.received).toHaveLength(1);
  });

  test("c.yaml and c.yml have folders of their own; --state naming another campaign's folder is refused", async () => {
    const s = await setup(2);
    const yml = path.join(s.campaign.dir, 'campaign.yml');
    await rename(s.campaign.file, yml);
    await writeCampaign({ dir: s.campaign.dir, csv: recipientsCsv(2) });
    expect((await cli(s, 'campaign', 'send', s.campaign.file)).code).toBe(0);
    expect((await cli(s, 'campaign', 'send', yml)).code).toBe(0);
    expect((await readdir(path.join(s.campaign.dir, '.mailshot'))).sort()).toEqual(['campaign.yaml', 'campaign.yml']);
    const shared = await cli(s, 'campaign', 'send', yml, '--state', s.campaign.stateDir);
    expect(shared.code).toBe(2);
    expect(shared.stderr).toContain(`holds the state of another campaign file (${s.campaign.file})`);
  });

  test('a campaign started before the folder was named after the whole file name continues in its old folder', async () => {
    const s = await setup(3);
    expect((await cli(s, 'campaign', 'send', s.campaign.file, '--limit', '1')).code).toBe(75);
    const legacy = path.join(s.campaign.dir, '.mailshot', 'campaign');
    await rename(s.campaign.stateDir, legacy);
    expect((await cli(s, 'campaign', 'resume', s.campaign.file)).code).toBe(0);
    expect(await readdir(path.join(legacy, 'outbox'))).toHaveLength(3);
    expect(existsSync(s.campaign.stateDir)).toBe(false);
  });
});

test('campaign reset keeps the old state aside and the next send starts from the first recipient', async () => {
  const s = await setup(2);
  expect((await cli(s, 'campaign', 'send', s.campaign.file, '--via', 'work')).code).toBe(0);
  const reset = await cli(s, 'campaign', 'reset', s.campaign.file);
  expect(reset.code).toBe(0);
  const kept = /kept in (\S+);/.exec(reset.stderr)![1];
  expect((await journalLines(kept)).filter((event) => event.ev === 'sent')).toHaveLength(2);
  expect((await cli(s, 'campaign', 'send', s.campaign.file, '--via', 'work')).code).toBe(0);
  expect(s.server.received).toHaveLength(4);
  const again = await cli(s, 'campaign', 'reset', path.join(s.campaign.dir, 'nothing.yaml'));
  expect(again.code).toBe(2);
});

describe('campaign test', () => {
  test('sends row N marked [TEST] to the given addresses only, in no journal, counted against the daily limit', async () => {
    const s = await setup(3, ['--daily-limit', '2']);
    const result = await cli(
      s,
      'campaign',
      'test',
      s.campaign.file,
      '--to',
      'me@example.org,you@example.org',
      '--row',
      '2',
      '--via',
      'work',
    );
    expect(result.code).toBe(0);
    expect([...receivedCounts(s.server).keys()].sort()).toEqual(['me@example.org', 'you@example.org']);
    for (const message of s.server.received) expect(message.raw.toString()).toMatch(/^Subject: \[TEST\] Hello Person 1$/m);
    expect(existsSync(journalFile(s.campaign.stateDir))).toBe(false);
    const over = await cli(s, 'campaign', 'test', s.campaign.file, '--to', 'me@example.org', '--via', 'work');
    expect(over.code).toBe(1);
    expect(over.stderr).toContain('daily limit');
    expect(s.server.received).toHaveLength(2);
  });

  test('a campaign with cc and bcc: the test goes to --to only, counted per envelope recipient as the loop counts', async () => {
    const server = await startServer();
    const env = await fileSecretsEnv();
    await addAccount(env, 'work', server, { args: ['--daily-limit', '2'] });
    const campaign = await writeCampaign({ csv: recipientsCsv(2), fields: { cc: 'boss@example.com', bcc: ['archive@example.com'] } });
    const s = { server, env, campaign };
    expect((await cli(s, 'campaign', 'test', campaign.file, '--to', 'me@example.org,you@example.org', '--via', 'work')).code).toBe(0);
    expect(server.received.map((message) => message.to)).toEqual([['me@example.org'], ['you@example.org']]);
    for (const message of server.received) expect(message.raw.toString()).not.toMatch(/^Cc:/im);
    // Two recipients counted: the daily limit of 2 is used up.
    expect((await cli(s, 'campaign', 'test', campaign.file, '--to', 'me@example.org', '--via', 'work')).stderr).toContain('daily limit');
  });

  test('an address that is not one is refused before anything is sent', async () => {
    const s = await setup(1);
    const result = await cli(s, 'campaign', 'test', s.campaign.file, '--to', 'me@example.org,oops', '--via', 'work');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--to: "oops" is not an address');
    expect(s.server.received).toHaveLength(0);
  });
});

/** Runs the CLI under a pseudo-terminal (util-linux `script`), typing `answer` at its prompt (after `beforeAnswer`). */
function onTerminal(
  s: Setup,
  args: string[],
  answer: string,
  beforeAnswer: () => Promise<void> = async () => undefined,
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, mailshotBin, ...args].map((word) => `'${word}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...s.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    if (/Send now\? \[y\/N\]/.test(output) && answer) {
      const typed = answer;
      answer = '';
      void beforeAnswer().then(() => child.stdin.write(`${typed}\r`));
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

describe('confirmation before a first real send', () => {
  test('on a terminal it shows the account, From, count and time, and "n" sends nothing', async () => {
    const s = await setup(3, ['--rate', '30/min']);
    const declined = await onTerminal(s, ['campaign', 'send', s.campaign.file, '--via', 'work'], 'n');
    expect(declined.output).toMatch(/About to send 3 message\(s\) through "work"/);
    expect(declined.output).toMatch(/From: +Sender <sender@example.com>/);
    expect(declined.output).toMatch(/Time: +about 6 s/);
    expect(declined.output).toContain('cancelled; nothing was sent');
    expect(declined.code).toBe(1);
    expect(s.server.received).toHaveLength(0);
    expect(existsSync(path.join(s.campaign.stateDir, 'state.json'))).toBe(false);

    const accepted = await onTerminal(s, ['campaign', 'send', s.campaign.file, '--via', 'work'], 'y');
    expect(accepted.code).toBe(0);
    expect(s.server.received).toHaveLength(3);
  }, 60_000);

  test('with --limit it states what this run sends', async () => {
    const s = await setup(5);
    const declined = await onTerminal(s, ['campaign', 'send', s.campaign.file, '--via', 'work', '--limit', '2'], 'n');
    expect(declined.output).toMatch(/About to send 2 message\(s\) through "work" \(--limit 2; 3 of the 5 recipients left for later runs\)/);
    expect(s.server.received).toHaveLength(0);
  }, 60_000);

  test('the list is read once: a CSV edited while the question waits is not sent from; the run pauses and resume sends the new list', async () => {
    const s = await setup(3);
    const list = path.join(s.campaign.dir, 'recipients.csv');
    const edited = await onTerminal(s, ['campaign', 'send', s.campaign.file, '--via', 'work'], 'y', () =>
      writeFile(list, 'email,name\nnew@example.com,New\nr1@example.com,Person 1\n'),
    );
    expect(edited.output).toMatch(/About to send 3 message\(s\)/);
    expect(edited.output).toContain('recipients.csv changed during this run');
    expect(edited.code).toBe(75);
    expect(s.server.received).toHaveLength(0);
    expect((await cli(s, 'campaign', 'resume', s.campaign.file)).code).toBe(0);
    expect(s.server.received.map((message) => message.to[0]).sort()).toEqual(['new@example.com', 'r1@example.com']);
  }, 60_000);

  test('--yes asks nothing; the outbox never asks', async () => {
    const s = await setup(1);
    const outbox = await onTerminal(s, ['campaign', 'send', s.campaign.file], '');
    expect(outbox.code).toBe(0);
    expect(outbox.output).not.toContain('Send now?');
    await runCli(['campaign', 'reset', s.campaign.file], { env: s.env });
    const yes = await onTerminal(s, ['campaign', 'send', s.campaign.file, '--via', 'work', '--yes'], '');
    expect(yes.code).toBe(0);
    expect(yes.output).not.toContain('Send now?');
    expect(s.server.received).toHaveLength(1);
  }, 60_000);
});

test.each(['6', '500', '1.5'])('--spread %s without a unit is refused with an example', async (value) => {
  const campaign = await writeCampaign();
  const result = await runCli(['campaign', 'send', campaign.file, '--spread', value]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`--spread "${value}": give a unit, e.g. ${value}h`);
  expect(existsSync(campaign.stateDir)).toBe(false);
});

test('rows with fewer or more fields than the header are skipped (field_count), named by validate, never sent', async () => {
  const campaign = await writeCampaign({
    csv: 'email,name,code,vip,city\na@example.com,A,1,no,Oslo\nb@example.com,B\nc@example.com,Smith, John,2,yes,Rome\n"Jane Doe <jane@example.com>",Jane,3,no,Bern\n',
    markdown: 'Hi {{ name }} from {{ city }}\n',
  });
  const validate = await runInProcess(['campaign', 'validate', campaign.file]);
  expect(validate.code).toBe(0);
  expect(validate.stdout).toContain('2 recipient(s) to send');
  expect(validate.stdout).toContain('line 3: fields not matching the header "2 field(s) where the header has 5: b@example.com,B"');
  expect(validate.stdout).toContain('line 4: fields not matching the header "6 field(s) where the header has 5');
  expect((await runCli(['campaign', 'send', campaign.file])).code).toBe(0);
  const messages = await Promise.all((await readdir(campaign.outbox)).map((file) => readFile(path.join(campaign.outbox, file), 'utf8')));
  expect(messages.map((raw) => /^To: (.*)$/m.exec(raw)![1]).sort()).toEqual(['Jane Doe <jane@example.com>', 'a@example.com']);
  const report = await reportJson(campaign.file);
  expect(report.totals).toMatchObject({ sent: 2, skipped: 2 });
});
