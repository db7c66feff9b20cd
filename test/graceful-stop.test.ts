/**
 * Every way a run ends is graceful: a closed terminal (SIGHUP) and a reader that went away (stdout or
 * stderr closed: EPIPE) stop the run like Ctrl-C — the messages in flight finish and are recorded, exit 75,
 * no stack trace, nobody in doubt, state.json not left "running".
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { collect, recipientsCsv, runCli, startCli, writeCampaign } from './helpers/cli.js';
import { addAccount, fileSecretsEnv, receivedCounts, smtpServersPerTest, until } from './helpers/smtp.js';

const startServer = smtpServersPerTest();
const count = 40;

async function slowCampaign(recipients = count) {
  const server = await startServer({ delayMs: 150 });
  const env = await fileSecretsEnv();
  await addAccount(env, 'slow', server, { args: ['--max-concurrent', '2'] });
  const campaign = await writeCampaign({ csv: recipientsCsv(recipients) });
  return { server, env, campaign };
}

async function expectStoppedCleanly(setup: Awaited<ReturnType<typeof slowCampaign>>, stderr: string) {
  const { server, env, campaign } = setup;
  expect(stderr).not.toMatch(/unexpected error|\n\s+at |EPIPE/);
  const state = JSON.parse(await readFile(path.join(campaign.stateDir, 'state.json'), 'utf8')) as { status: string; reason: string };
  expect(state).toMatchObject({ status: 'paused', reason: expect.stringContaining('interrupted') });
  const status = JSON.parse((await runCli(['campaign', 'status', campaign.file, '--json'], { env })).stdout) as {
    totals: Record<string, number>;
  };
  expect(status.totals.in_doubt).toBe(0);
  expect(status.totals.sent).toBe(server.received.length); // every message the server took is recorded
  expect(status.totals.sent).toBeLessThan(count);
  const resumed = await runCli(['campaign', 'resume', campaign.file], { env });
  expect(resumed.code).toBe(0);
  expect([...receivedCounts(server).values()].every((copies) => copies === 1)).toBe(true);
  expect(receivedCounts(server).size).toBe(count);
}

describe('graceful ends', () => {
  test('SIGHUP (terminal closed): in-flight messages finish and are recorded, exit 75', async () => {
    const setup = await slowCampaign();
    const sender = startCli(['campaign', 'send', setup.campaign.file, '--via', 'slow'], { env: setup.env });
    const exited = collect(sender);
    expect(await until(() => setup.server.received.length >= 4, 10_000)).toBe(true);
    sender.kill('SIGHUP');
    const result = await exited;
    expect(result.code).toBe(75);
    expect(result.stderr).toContain('paused: interrupted');
    await expectStoppedCleanly(setup, result.stderr);
  });

  test('stdout closed mid-send (`send --json | head -1`): stops like Ctrl-C, exit 75, no stack trace', async () => {
    const setup = await slowCampaign();
    const sender = startCli(['campaign', 'send', setup.campaign.file, '--via', 'slow', '--json'], { env: setup.env });
    let stderr = '';
    sender.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    sender.stdout!.once('data', () => sender.stdout!.destroy()); // the reader takes one line and goes
    const code = await new Promise<number | null>((resolve) => sender.on('close', (exitCode) => resolve(exitCode)));
    expect(code).toBe(75);
    expect(stderr).toContain('stopping: finishing messages in flight');
    await expectStoppedCleanly(setup, stderr);
  });

  test('stderr closed mid-send: only progress is lost; the run goes on and completes, each recipient once', async () => {
    // 100 messages at ~150 ms, 2 at a time: ~8 s, so the progress line due every 5 s meets the closed pipe.
    const setup = await slowCampaign(100);
    const sender = startCli(['campaign', 'send', setup.campaign.file, '--via', 'slow'], { env: setup.env });
    sender.stdout!.resume();
    sender.stderr!.once('data', () => sender.stderr!.destroy());
    const code = await new Promise<number | null>((resolve) => sender.on('close', (exitCode) => resolve(exitCode)));
    expect(code).toBe(0);
    expect(receivedCounts(setup.server).size).toBe(100);
    expect([...receivedCounts(setup.server).values()].every((copies) => copies === 1)).toBe(true);
    const status = JSON.parse((await runCli(['campaign', 'status', setup.campaign.file, '--json'], { env: setup.env })).stdout) as {
      status: string;
    };
    expect(status.status).toBe('done');
  });
});
