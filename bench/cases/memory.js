/**
 * Case 2 — memory is flat in list size. Peak RSS (getrusage maxrss of the mailshot process) of
 * `campaign send` through the outbox at 1k, 10k and 100k recipients (BENCH_SCALE 0.25): the largest
 * within 10 % of the middle one, each ≤ 160 MiB (issue 27). Also journal bytes per recipient (target
 * ≤ 200) of the largest run.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { expectExit, mb, median, round, runMailshot, writeCampaign } from '../lib.js';

export const id = 'memory';

export async function run({ root, scale, memoryRounds, log }) {
  const sizes = [4_000, 40_000, 400_000].map((size) => Math.max(100, Math.round(size * scale)));
  const configDir = path.join(root, 'config');
  const runs = {};
  for (const size of sizes) {
    const dir = path.join(root, `memory-${size}`);
    const file = await writeCampaign(dir, size);
    const samples = [];
    for (let index = 0; index < memoryRounds; index++) {
      const stateDir = path.join(dir, `state-${index}`);
      const result = await runMailshot(['campaign', 'send', file, '--max-concurrent', '8', '--state', stateDir], {
        configDir,
        keepStdout: false,
        sampleRssMs: 100,
      });
      expectExit(result, 0, `campaign send (${size} recipients, outbox)`);
      const sent = (await readdir(path.join(stateDir, 'outbox'))).filter((name) => name.endsWith('.eml')).length;
      if (sent !== size) throw new Error(`outbox holds ${sent} messages, expected ${size}`);
      const journalBytes = (await stat(path.join(stateDir, 'journal.jsonl'))).size;
      samples.push({
        peakRssMB: mb(result.usage.maxRssBytes),
        heapUsedAtExitMB: mb(result.usage.heapUsedBytes),
        heapTotalAtExitMB: mb(result.usage.heapTotalBytes),
        wallSeconds: result.wallMs / 1000,
        messagesPerSecond: size / (result.wallMs / 1000),
        journalBytesPerRecipient: journalBytes / size,
        ...rssProfile(result.rssSamples),
      });
      await rm(stateDir, { recursive: true, force: true }); // the .eml files add up
      const last = samples.at(-1);
      log(
        `  ${size} recipients: peak RSS ${last.peakRssMB.toFixed(1)} MB, ${last.messagesPerSecond.toFixed(0)} msg/s, journal ${last.journalBytesPerRecipient.toFixed(0)} B/recipient; ` +
          `RSS (MB) by tenth of the run, max of each: ${last.rssByTenthMB.join(' ')}`,
      );
    }
    runs[size] = Object.fromEntries(Object.keys(samples[0]).map((key) => [key, round(median(samples.map((sample) => sample[key])), 2)]));
  }
  const [smallest, small, large] = sizes.map((size) => runs[size]);
  for (const size of sizes) delete runs[size].rssByTenthMB; // a median of lists means nothing; the log has them
  const ratio = large.peakRssMB / small.peakRssMB;
  const journal = large.journalBytesPerRecipient;
  const mib160 = (160 * 2 ** 20) / 1e6;
  const met = {
    flat: ratio <= 1.1,
    under160MiB: [smallest, small, large].every((run) => run.peakRssMB <= mib160),
    journal: journal <= 200,
  };
  return {
    id,
    title: 'memory flat in list size (outbox)',
    line:
      `peak RSS ${smallest.peakRssMB.toFixed(0)} MB @${sizes[0]}, ${small.peakRssMB.toFixed(0)} MB @${sizes[1]} → ${large.peakRssMB.toFixed(0)} MB @${sizes[2]} = ` +
      `${ratio.toFixed(2)}× (target ≤ 1.1×, each ≤ 160 MiB = ${mib160.toFixed(0)} MB); journal ${journal.toFixed(0)} B/recipient (target ≤ 200)`,
    met: met.flat && met.under160MiB && met.journal,
    figures: { sizes, rounds: memoryRounds, ratio: round(ratio, 3), met, runs },
  };
}

/** From a /proc RSS timeline: the largest RSS in each tenth of the run (shows growth vs a spike). */
function rssProfile(samples) {
  if (!samples?.length) return { rssByTenthMB: [] };
  const end = samples.at(-1)[0];
  const tenths = new Array(10).fill(0);
  for (const [ms, bytes] of samples) {
    const tenth = Math.min(9, Math.floor((ms / end) * 10));
    tenths[tenth] = Math.max(tenths[tenth], bytes);
  }
  return { rssByTenthMB: tenths.map((bytes) => Math.round(bytes / 1e6)) };
}
