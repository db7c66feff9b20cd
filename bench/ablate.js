/**
 * Diagnosis for case 1, not part of `npm run bench`: sends the throughput campaign to the sink with
 * parts of mailshot's send path switched off by bench/ablate-preload.js, beside the plain nodemailer
 * pool, alternating, and prints the median msg/s and CPU per variant — what each part costs.
 *
 *   npm run build && node bench/ablate.js [--count 5000] [--rounds 3]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  addSmtpAccount,
  benchDir,
  expectExit,
  makeTempRoot,
  median,
  mailshotEnv,
  removeDir,
  repoRoot,
  runNode,
  startSink,
  writeCampaign,
} from './lib.js';

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '3' } } });
const count = Number(args.count);
const rounds = Number(args.rounds);
const variants = ['mailshot', 'daily', 'journal', 'daily,journal', 'pool'];
// tsc's output, not the bundle that bin/mailshot.js runs: the preload patches the classes of dist/
const unbundledCli = path.join(repoRoot, 'dist', 'cli.js');

const root = await makeTempRoot();
const configDir = path.join(root, 'config');
const dir = path.join(root, 'campaign');
const file = await writeCampaign(dir, count);
const sink = await startSink();
try {
  await addSmtpAccount(configDir, 'sink', sink.port, ['--max-concurrent', '8']);
  const samples = Object.fromEntries(variants.map((variant) => [variant, []]));
  let state = 0;
  for (let round = 0; round < rounds; round++) {
    for (const variant of round % 2 ? [...variants].reverse() : variants) {
      await sink.reset();
      const result =
        variant === 'pool'
          ? await runNode(path.join(benchDir, 'baseline-pool.js'), ['--port', String(sink.port), '--dir', dir])
          : await runNode(
              unbundledCli,
              ['campaign', 'send', file, '--via', 'sink', '--max-concurrent', '8', '--state', path.join(root, `state-${++state}`)],
              {
                keepStdout: false,
                nodeArgs: ['--import', path.join(benchDir, 'ablate-preload.js')],
                env: mailshotEnv(configDir, { BENCH_ABLATE: variant === 'mailshot' ? '' : variant }),
              },
            );
      expectExit(result, 0, variant);
      const { accepted } = await sink.stats();
      if (accepted !== count) throw new Error(`${variant}: sink accepted ${accepted} of ${count}`);
      samples[variant].push({ rate: count / (result.wallMs / 1000), cpu: (result.usage.cpuSeconds / count) * 1000 });
    }
  }
  const pool = median(samples.pool.map((sample) => sample.rate));
  console.log(`${count} messages, ${rounds} rounds, medians`);
  for (const variant of variants) {
    const rate = median(samples[variant].map((sample) => sample.rate));
    const cpu = median(samples[variant].map((sample) => sample.cpu));
    const label =
      variant === 'mailshot'
        ? 'mailshot as is'
        : variant === 'pool'
          ? 'plain nodemailer pool'
          : `mailshot without ${variant.replace(',', ' + ')}`;
    console.log(
      `${label.padEnd(40)} ${rate.toFixed(0).padStart(6)} msg/s  ${(rate / pool).toFixed(2)}× pool  ${cpu.toFixed(2)} CPU s/1000`,
    );
  }
} finally {
  await sink.close();
  await removeDir(root);
}
