/**
 * Amazon SES through its v2 API, against the local SES simulator (test/servers/ses.ts) that the AWS SDK
 * reaches through AWS_ENDPOINT_URL_SESV2; credentials from the environment, as the AWS default chain reads them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { collect, recipientsCsv, runCli, startCli, tempDir, writeCampaign } from './helpers/cli.js';
import { until } from './helpers/smtp.js';
import { reportJson } from './helpers/report.js';
import { runInProcess } from './helpers/in-process.js';
import { startSesSimulator, type SesSimulator, type SesSimulatorOptions } from './servers/ses.js';

const simulators: SesSimulator[] = [];
afterEach(async () => {
  await Promise.all(simulators.splice(0).map((simulator) => simulator.close()));
});

async function setup(options: SesSimulatorOptions = {}) {
  const ses = await startSesSimulator(options);
  simulators.push(ses);
  const config = await tempDir('mailshot-config-');
  const env = {
    MAILSHOT_CONFIG_DIR: config,
    AWS_ENDPOINT_URL_SESV2: ses.url,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_SHARED_CREDENTIALS_FILE: path.join(config, 'no-aws-credentials'),
    AWS_CONFIG_FILE: path.join(config, 'no-aws-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const added = await runCli(['accounts', 'add', 'ses', 'ses', '--region', 'eu-west-1'], { env });
  expect(added.code).toBe(0);
  return { ses, env };
}

test('accounts add ses stores no credential; accounts test shows the quota left and the rate', async () => {
  const { env } = await setup({ max24HourSend: 50_000, maxSendRate: 14, sentLast24Hours: 1234 });
  const listed = await runInProcess(['accounts', 'list'], { env });
  expect(listed.stdout).toBe('ses\tses\tAmazon SES eu-west-1, credentials: the AWS default chain (none stored)\n');
  const stored = await readFile(path.join(env.MAILSHOT_CONFIG_DIR, 'accounts.json'), 'utf8');
  expect(stored).not.toContain(env.AWS_SECRET_ACCESS_KEY);
  expect(stored).not.toContain(env.AWS_ACCESS_KEY_ID);
  const tested = await runCli(['accounts', 'test', 'ses'], { env });
  expect(tested.code).toBe(0);
  expect(tested.stdout).toContain('quota: 48766 of 50000 left (1234 sent in the last 24 hours)');
  expect(tested.stdout).toContain('maximum rate: 14/s');
  const noCredentials = await runCli(['accounts', 'test', 'ses'], {
    env: { ...env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
  });
  expect(noCredentials.code).toBe(1);
  expect(noCredentials.stderr).toMatch(/no AWS credentials found|credentials/i);
  expect(noCredentials.stderr).not.toMatch(/\n\s+at /);
});

test("the message goes as mailshot composed it; the quota is honoured: the run pauses (exit 75) where SES's 24 hours end", async () => {
  const { ses, env } = await setup({ max24HourSend: 10, sentLast24Hours: 7, maxSendRate: 50 });
  const campaign = await writeCampaign({ csv: recipientsCsv(5) });
  const sent = await runCli(['campaign', 'send', campaign.file, '--via', 'ses', '--yes'], { env });
  expect(sent.code).toBe(75);
  expect(sent.stderr).toMatch(/daily limit/i);
  // three of the five, each once (which three depends on the order concurrent sends reserved their place)
  const reached = ses.received.map((message) => message.to[0]);
  expect(new Set(reached).size).toBe(3);
  expect(reached.every((to) => /^r[0-4]@example\.com$/.test(to))).toBe(true);
  expect(ses.refused).toEqual({});
  const row = String(Number(/^r(\d)@/.exec(reached[0])![1]) + 1);
  const composed = await runInProcess(['campaign', 'preview', campaign.file, '--row', row, '--raw'], { env });
  const withoutIdAndDate = (raw: string) =>
    raw
      .replace(/^(Message-ID|Date):.*\r?\n/gim, '')
      .replace(/_NmP-[0-9a-f]+-Part/g, 'boundary')
      .replace(/\r?\n/g, '\r\n');
  expect(withoutIdAndDate(ses.received[0].raw)).toBe(withoutIdAndDate(composed.stdout));
});

test("sends are paced just under SES's maximum rate; a Bcc goes in the Destination, not the message", async () => {
  const { ses, env } = await setup({ maxSendRate: 4 });
  const campaign = await writeCampaign({ csv: recipientsCsv(5), fields: { bcc: 'Archive <archive@example.com>' } });
  expect((await runCli(['campaign', 'send', campaign.file, '--via', 'ses', '--yes'], { env })).code).toBe(0);
  expect(ses.received).toHaveLength(5);
  expect(ses.refused).toEqual({}); // never faster than SES allows
  expect(ses.received.at(-1)!.at - ses.received[0].at).toBeGreaterThanOrEqual(1000); // 5 at 90% of 4/s: 1.1 s at least
  expect(ses.received[0].bcc).toEqual(['archive@example.com']);
  expect(ses.received[0].raw).not.toMatch(/^Bcc:/im);
});

test('throttling (TooManyRequestsException) slows the run down; everyone is sent once', async () => {
  const { ses, env } = await setup({ throttleFirst: 3, maxSendRate: 50 });
  const campaign = await writeCampaign({ csv: recipientsCsv(4) });
  const sent = await runCli(['campaign', 'send', campaign.file, '--via', 'ses', '--yes'], { env });
  expect(sent.code).toBe(0);
  expect(ses.refused.TooManyRequestsException).toBe(3);
  expect(ses.received.map((message) => message.to[0]).sort()).toEqual([
    'r0@example.com',
    'r1@example.com',
    'r2@example.com',
    'r3@example.com',
  ]);
});

test("MessageRejected fails that recipient with SES's words; the others are sent", async () => {
  const { ses, env } = await setup({ reject: ['r1@example.com'], maxSendRate: 50 });
  const campaign = await writeCampaign({ csv: recipientsCsv(3) });
  await runCli(['campaign', 'send', campaign.file, '--via', 'ses', '--yes'], { env });
  expect(ses.received.map((message) => message.to[0]).sort()).toEqual(['r0@example.com', 'r2@example.com']);
  const report = await reportJson<{
    recipients: { recipient: string; status: string; reply?: string }[];
  }>(campaign.file, [], { env });
  const failed = report.recipients.find((recipient) => recipient.recipient === 'r1@example.com');
  expect(failed).toMatchObject({ status: 'failed' });
  expect(JSON.stringify(failed)).toContain('Email address is not verified');
});

test('a paused SES account stops the run at once with a clear message (exit 1); nothing is sent', async () => {
  const { ses, env } = await setup({ paused: true });
  const campaign = await writeCampaign({ csv: recipientsCsv(3) });
  const sent = await runCli(['campaign', 'send', campaign.file, '--via', 'ses', '--yes'], { env });
  expect(sent.code).toBe(1);
  expect(sent.stderr).toContain('sending is paused for this SES account');
  expect(sent.stderr).not.toMatch(/\n\s+at /);
  expect(ses.received).toEqual([]);
  expect(ses.sendRequests).toBe(1);
});

test('kill -9 while SES holds a message without answering; resume: nobody lost, the one in doubt resent with the same Message-ID', async () => {
  let held = false;
  const { ses, env } = await setup({
    maxSendRate: 50,
    onAccept: (message) => {
      if (held || message.to[0] !== 'r2@example.com') return undefined;
      held = true;
      return 'hang';
    },
  });
  const campaign = await writeCampaign({ csv: recipientsCsv(5) });
  const child = startCli(['campaign', 'send', campaign.file, '--via', 'ses', '--yes'], { env });
  const done = collect(child);
  expect(await until(() => held, 60_000)).toBe(true);
  child.kill('SIGKILL');
  await done;
  const resumed = await runCli(['campaign', 'resume', campaign.file], { env });
  expect(resumed.code).toBe(0);
  const byRecipient = new Map<string, string[]>();
  for (const message of ses.received) byRecipient.set(message.to[0], [...(byRecipient.get(message.to[0]) ?? []), message.messageId!]);
  expect([...byRecipient.keys()].sort()).toEqual([
    'r0@example.com',
    'r1@example.com',
    'r2@example.com',
    'r3@example.com',
    'r4@example.com',
  ]);
  expect(byRecipient.get('r2@example.com')).toHaveLength(2);
  // A message in flight at the kill is in doubt too: whatever is sent again goes with its first Message-ID.
  for (const ids of byRecipient.values()) expect(new Set(ids).size).toBe(1);
}, 90_000);

test("a daily limit set above SES's quota: SES's LimitExceededException pauses the run (exit 75), nobody failed", async () => {
  const { ses, env } = await setup({ max24HourSend: 2, maxSendRate: 50 });
  const campaign = await writeCampaign({ csv: recipientsCsv(4) });
  const sent = await runCli(['campaign', 'send', campaign.file, '--via', 'ses', '--yes', '--daily-limit', '100'], { env });
  expect(sent.code).toBe(75);
  expect(sent.stderr).toContain("the SES account's 24-hour quota is used up");
  expect(ses.received).toHaveLength(2);
  expect(ses.refused.LimitExceededException).toBeGreaterThanOrEqual(1);
  const status = JSON.parse((await runInProcess(['campaign', 'status', campaign.file, '--json'], { env })).stdout) as {
    totals: Record<string, number>;
  };
  expect(status.totals).toMatchObject({ sent: 2, failed: 0 });
});
