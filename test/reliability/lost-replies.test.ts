/**
 * (b) A server that stores the message and then drops the connection instead of answering, for 30 % of
 * messages (drawn from a seed). Such a message is in doubt: not retried in the run, reported, and resent
 * by the next run with the same Message-ID. Checked at the server: nobody lost, every extra copy was
 * reported in doubt before it was sent, and nobody is in doubt whom the server did not take.
 */
import { recipientsCsv, runCli, writeCampaign } from '../helpers/cli.js';
import { testSeed } from '../helpers/random.js';
import { addAccount, fileSecretsEnv } from '../helpers/smtp.js';
import { expectExactlyOnceOrInDoubt, inDoubtNow, readLog, recipientList, reportOf, settled, startServerProcess } from './harness.js';

const recipients = 40;
const concurrency = 4;
const seed = testSeed(30);

test(`${recipients} recipients, 30 % of replies lost after the server stored the message (seed ${seed}): duplicates only of recipients reported in doubt, same Message-ID`, async () => {
  const started = Date.now();
  const server = await startServerProcess({ storeThenDrop: { rate: 0.3, seed } });
  try {
    const env = await fileSecretsEnv();
    await addAccount(env, 'lossy', { host: '127.0.0.1', port: server.port }, { args: ['--max-concurrent', String(concurrency)] });
    const campaign = await writeCampaign({ csv: recipientsCsv(recipients) });
    const reportedInDoubt = new Map<string, number>();
    const perRun: number[] = [];
    for (let run = 0; ; run++) {
      expect(run).toBeLessThan(15);
      const result = await runCli(
        run === 0 ? ['campaign', 'send', campaign.file, '--via', 'lossy'] : ['campaign', 'resume', campaign.file],
        { env },
      );
      expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
      await settled(server);
      const inDoubt = await inDoubtNow(campaign.file, env);
      const accepted = new Set((await readLog(server.logFile)).map((message) => message.to));
      expect([...inDoubt].filter((to) => !accepted.has(to))).toEqual([]); // in doubt only where the server did take it
      for (const to of inDoubt) reportedInDoubt.set(to, (reportedInDoubt.get(to) ?? 0) + 1);
      perRun.push(inDoubt.size);
      if (inDoubt.size) {
        expect(result.code).toBe(75);
        expect(result.stderr).toContain(`${inDoubt.size} recipient(s) in doubt`);
      } else {
        expect(result.code).toBe(0);
        break;
      }
    }
    const { duplicates } = expectExactlyOnceOrInDoubt(await readLog(server.logFile), recipientList(recipients), reportedInDoubt);
    expect(duplicates).toBeGreaterThan(0); // the faults did happen
    expect((await reportOf(campaign.file, env)).totals).toMatchObject({ sent: recipients, in_doubt: 0, pending: 0 });
    process.stdout.write(
      `lost replies (seed ${seed}): in doubt after each run ${perRun.join(' → ')}; ${duplicates} duplicate(s), each reported in doubt; ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  } finally {
    server.stop();
  }
}, 120_000);
