/**
 * (c) A laptop lid: the sender is stopped (SIGSTOP) for 65 s with messages in flight, longer than its 60 s
 * socket timeout, then continued. Whether the timer or the server's waiting 250 is seen first, the promise
 * holds: a message whose reply was not read is in doubt (not retried in that run), and a copy sent again
 * by the next run carries the same Message-ID. One trial: it costs 65 s.
 */
import { collect, recipientsCsv, runCli, startCli, writeCampaign } from '../helpers/cli.js';
import { addAccount, fileSecretsEnv, until } from '../helpers/smtp.js';
import { expectExactlyOnceOrInDoubt, inDoubtNow, readLog, recipientList, settled, startServerProcess } from './harness.js';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const recipients = 16;
const concurrency = 4;

test('SIGSTOP for 65 s with messages in flight, then SIGCONT: nobody lost, extra copies only of recipients reported in doubt', async () => {
  const server = await startServerProcess({ delayMs: 500 });
  try {
    const env = await fileSecretsEnv();
    await addAccount(env, 'slow', { host: '127.0.0.1', port: server.port }, { args: ['--max-concurrent', String(concurrency)] });
    const campaign = await writeCampaign({ csv: recipientsCsv(recipients) });
    const sender = startCli(['campaign', 'send', campaign.file, '--via', 'slow'], { env });
    const exited = collect(sender);
    expect(await until(() => readFileSync(server.logFile, 'utf8').split('\n').length > 4, 20_000)).toBe(true);
    sender.kill('SIGSTOP');
    await sleep(65_000);
    sender.kill('SIGCONT');
    const first = await exited;
    expect(first.stderr).not.toMatch(/unexpected error|\n\s+at /);
    await settled(server);
    const reportedInDoubt = new Map<string, number>();
    const inDoubt = await inDoubtNow(campaign.file, env);
    expect(inDoubt.size).toBeLessThanOrEqual(concurrency);
    for (const to of inDoubt) reportedInDoubt.set(to, 1);
    expect(first.code).toBe(inDoubt.size ? 75 : 0);
    if (first.code !== 0) expect((await runCli(['campaign', 'resume', campaign.file], { env })).code).toBe(0);
    const { duplicates } = expectExactlyOnceOrInDoubt(await readLog(server.logFile), recipientList(recipients), reportedInDoubt);
    process.stdout.write(`SIGSTOP 65 s: ${inDoubt.size} in doubt after the run, ${duplicates} resent with the same Message-ID\n`);
  } finally {
    server.stop();
  }
}, 150_000);
