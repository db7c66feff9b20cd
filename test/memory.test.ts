import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { collect, mailshotBin, recipientsCsv, repoRoot, runCli, tempDir, writeCampaign } from './helpers/cli.js';

const usagePreload = path.join(repoRoot, 'bench/usage-preload.js');

const rows = 1_000_000;
/**
 * Growth of the peak over a 1,000-row list: the set of a million addresses seen (for duplicates) and V8's heap
 * sizing. Measured (the process's own peak, VmHWM): +44 MB on Node 20; +51 MB on Node 24, whose V8 grows its heap more
 * eagerly (and whose own baseline is ~15 MB higher). Keeping the rows would add hundreds of MB.
 */
const peakGrowthLimitMb = 100;

/**
 * Preloaded into a send: the old generation's size after each full collection (what is live) and its largest size
 * in between (sampled every 5 ms), printed as the process exits.
 */
const oldSpaceProbe = `
import { PerformanceObserver, constants } from 'node:perf_hooks';
import v8 from 'node:v8';
const oldSpace = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'old_space').space_used_size;
const live = [];
let peak = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) live.push(oldSpace());
}).observe({ entryTypes: ['gc'] });
setInterval(() => (peak = Math.max(peak, oldSpace())), 5).unref();
process.on('exit', () => process.stderr.write(\`old-space live=\${live.join(',')} peak=\${peak}\\n\`));
`;

/** Writes the CSV through a stream, honouring back-pressure: the test itself stays small too. */
async function writeBigCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('email,name,city\n');
  for (let index = 0; index < rows; index++) {
    // Every 1000th row repeats an earlier address in other case, every 1000th (offset) is invalid.
    const email =
      index % 1000 === 999 ? `R${index - 500}@Example.com` : index % 1000 === 500 ? `not-an-address-${index}` : `r${index}@example.com`;
    if (!out.write(`${email},Person ${index},City ${index % 97}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

describe('memory stays flat with list size', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test(`validate of a ${rows.toLocaleString('en')}-row CSV peaks under ${peakGrowthLimitMb} MB RSS above a 1,000-row one`, async () => {
    dir = await tempDir('mailshot-memory-');
    const small = await validateMeasured(dir, 'small', 1000);
    const big = await validateMeasured(dir, 'big', rows);
    const result = big.result;
    expect(result.stderr).not.toMatch(/unexpected error/);
    expect(result.code).toBe(0);
    // The scan really read every row: 998 of each 1000 are sent, one is a duplicate, one is invalid.
    expect(result.stdout).toContain(`OK — ${(rows / 1000) * 998} recipient(s) to send`);
    expect(result.stdout).toContain(
      `${(rows / 1000) * 2} row(s) will be skipped (${rows / 1000} invalid address, ${rows / 1000} duplicate)`,
    );
    expect(result.stdout).toContain('line 502: invalid address "not-an-address-500"');
    expect(result.stdout).toContain('line 1001: duplicate "R499@Example.com"');
    process.stdout.write(
      `validate of ${rows} rows: peak RSS ${big.peakMb} MB in ${big.seconds.toFixed(1)} s (1,000 rows: ${small.peakMb} MB)\n`,
    );
    expect(big.peakMb - small.peakMb).toBeLessThan(peakGrowthLimitMb);
  }, 120_000);

  // What keeps a send of 100,000 near the peak of one of 10,000 (system/heap-growth.ts). Left to itself, V8 let the old
  // generation of this send reach 56 MB for 22 MB live (Node 20); a send of 10,000 ends too soon to show it.
  test("a send keeps V8's old generation within twice what is live", async () => {
    dir ??= await tempDir('mailshot-memory-');
    const campaign = await writeCampaign({ dir: path.join(dir, 'send'), csv: recipientsCsv(30_000) });
    const probe = path.join(campaign.dir, 'old-space.mjs');
    await writeFile(probe, oldSpaceProbe);
    const result = await runCli(['campaign', 'send', campaign.file], {
      env: { NODE_OPTIONS: `--import ${probe}`, MAILSHOT_CONFIG_DIR: path.join(campaign.dir, 'config') },
    });
    expect(result.stderr).toContain('done: sent 30000');
    const [, liveList, peak] = /old-space live=([\d,]+) peak=(\d+)/.exec(result.stderr) ?? [];
    expect(liveList).toBeDefined();
    // the first full collections come while the program is still loading; the run's own are the later ones
    const live = liveList.split(',').map(Number).slice(1);
    expect(live.length).toBeGreaterThan(0);
    const largestLive = Math.max(...live);
    process.stdout.write(
      `send of 30,000: old space live ${live.map((size) => Math.round(size / 1e6)).join(', ')} MB, peak ${Math.round(Number(peak) / 1e6)} MB\n`,
    );
    expect(Number(peak)).toBeLessThan(2 * largestLive);
  }, 120_000);
});

/** Runs `campaign validate` on a list of `count` rows and reads the process's peak RSS as it exits. */
async function validateMeasured(parent: string, name: string, count: number) {
  const dir = path.join(parent, name);
  const campaign = await writeCampaign({ dir, markdown: 'Hi {{ name }} from {{ city }}\n' });
  await writeBigCsv(path.join(dir, 'recipients.csv'), count);
  // The CLI runs unchanged; the bench's preloaded module writes the process's own peak RSS as it exits (not getrusage's,
  // which counts this test's worker, forked before the exec).
  const usageFile = path.join(dir, 'usage.json');
  const child = spawn(process.execPath, ['--import', usagePreload, mailshotBin, 'campaign', 'validate', campaign.file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BENCH_USAGE_FILE: usageFile },
  });
  const started = Date.now();
  const result = await collect(child);
  const { maxRssBytes } = JSON.parse(await readFile(usageFile, 'utf8')) as { maxRssBytes: number };
  expect(maxRssBytes).toBeGreaterThan(0);
  return { result, peakMb: Math.round(maxRssBytes / 2 ** 20), seconds: (Date.now() - started) / 1000 };
}
