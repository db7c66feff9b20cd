/**
 * (a) The cron-after-`kill -9` case: a stale lock (its owner died), and six `campaign send` started
 * together over it. Each time exactly one sends; the others exit 75 (locked) or find the campaign
 * complete; at the server every recipient arrives once, with one Message-ID, from one campaign id.
 * Six CLI processes per trial cost ~8 s on a busy 2-core machine, so CI runs 6 trials (each sender
 * starting after a delay drawn from the seed); MAILSHOT_LOCK_TRIALS=20 runs the issue's 20. The same race
 * in one process, 30 trials of 6 takers, is in test/lock.test.ts.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { collect, recipientsCsv, startCli, writeCampaign } from '../helpers/cli.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { between, seededRandom, testSeed } from '../helpers/random.js';
import { addAccount, fileSecretsEnv } from '../helpers/smtp.js';
import { deadPid, lockOwnedBy } from '../helpers/processes.js';
import { expectExactlyOnceOrInDoubt, readLog, recipientList, settled, startServerProcess } from './harness.js';

const trials = Number(process.env.MAILSHOT_LOCK_TRIALS ?? 6);
const senders = 6;
const recipients = 5;
const seed = testSeed(14);

test(`${trials} trials of ${senders} sends started together over a stale lock: one sender each time, every recipient once (seed ${seed})`, async () => {
  const started = Date.now();
  const random = seededRandom(seed);
  const server = await startServerProcess();
  try {
    const env = await fileSecretsEnv();
    await addAccount(env, 'sink', { host: '127.0.0.1', port: server.port });
    let before = 0;
    const outcomes = new Map<string, number>();
    for (let trial = 0; trial < trials; trial++) {
      const campaign = await writeCampaign({ csv: recipientsCsv(recipients).replace(/@example\.com/g, `@t${trial}.example.com`) });
      await mkdir(campaign.stateDir, { recursive: true });
      await writeFile(path.join(campaign.stateDir, 'lock'), lockOwnedBy(await deadPid()));
      const delays = Array.from({ length: senders }, () => between(random, 0, 30));
      const results = await Promise.all(
        delays.map(async (ms) => (await sleep(ms), collect(startCli(['campaign', 'send', campaign.file, '--via', 'sink'], { env })))),
      );
      await settled(server);
      for (const result of results) {
        expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
        const outcome =
          result.code === 0 && /done: sent [1-9]/.test(result.stderr)
            ? 'sent'
            : result.code === 0
              ? 'already complete'
              : result.code === 75
                ? 'locked'
                : `exit ${result.code}`;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
      expect(results.filter((result) => /done: sent [1-9]/.test(result.stderr))).toHaveLength(1);
      const log = (await readLog(server.logFile)).slice(before);
      before += log.length;
      const expected = recipientList(recipients).map((to) => to.replace('@example.com', `@t${trial}.example.com`));
      expectExactlyOnceOrInDoubt(log, expected, new Map());
      expect(log).toHaveLength(recipients);
      const { campaignId } = JSON.parse(await readFile(path.join(campaign.stateDir, 'state.json'), 'utf8')) as { campaignId: string };
      expect(campaignId).toMatch(/^[0-9a-f-]{36}$/);
    }
    process.stdout.write(
      `lock race (seed ${seed}): ${trials} trials × ${senders} senders: ${[...outcomes].map(([what, n]) => `${what} ×${n}`).join(', ')}; ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  } finally {
    server.stop();
  }
}, 240_000);
