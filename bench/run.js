/**
 * `npm run bench`: the benchmarks of issue 8 (and issue 4's rate case). Builds nothing itself (the npm
 * script runs `npm run build` first); drives the real CLI (bin/mailshot.js → dist/) as a child process
 * against local servers on 127.0.0.1, prints one line per case and writes bench/results/latest.json.
 *
 * Environment (defaults fit the whole run in < 10 minutes on a 2-core machine):
 *   BENCH_SCALE=0.25          fraction of the list sizes for cases 1 and 2 (1 = 20,000 / 20,000 + 200,000)
 *   BENCH_ROUNDS=5            rounds of the alternating comparisons (case 1, at N and 20 × N) and of case 3
 *   BENCH_MEMORY_ROUNDS=5     runs per list size in case 2 (median)
 *   BENCH_STARTUP_ROUNDS=10   rounds of case 4
 *   BENCH_RESUME_SENT=1000000 finished recipients in case 3's journal (plus 1,000 pending)
 *   BENCH_RATE=20 BENCH_RATE_SECONDS=40   case 5: the server's allowed rate R and the run's length
 *                          (rate-gmail and rate-graph: R fixed at 10/s and 20/s, the same length)
 *   BENCH_MAILMERGE_DIR=DIR   case 8 (peers): a checkout of github.com/awdeorio/mailmerge; without it the case is skipped
 *   BENCH_POSTFIX_COUNT=150   case 9 (postfix): messages through a private Postfix instance (needs root and Postfix; else skipped)
 *   BENCH_CASES=throughput,memory,resume,startup,rate,rate-gmail,rate-graph,peers,postfix,report   a subset (then results go to bench/results/partial.json)
 *   BENCH_SMOKE=1             tiny sizes, one round: checks that every case works (about a minute)
 *   BENCH_KEEP=1              keep the temporary folder
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchDir, makeTempRoot, removeDir, repoRoot } from './lib.js';
import * as throughput from './cases/throughput.js';
import * as memory from './cases/memory.js';
import * as resume from './cases/resume.js';
import * as startup from './cases/startup.js';
import * as rate from './cases/rate.js';
import { gmail as rateGmail, graph as rateGraph } from './cases/rate-providers.js';
import * as peers from './cases/peers.js';
import * as postfix from './cases/postfix-limits.js';
import * as reportJson from './cases/report.js';

const cases = [throughput, memory, resume, startup, rate, rateGmail, rateGraph, peers, postfix, reportJson];
const env = process.env;
const smoke = env.BENCH_SMOKE === '1';
const number = (name, fallback) => (env[name] !== undefined && env[name] !== '' ? Number(env[name]) : fallback);
const options = {
  scale: number('BENCH_SCALE', smoke ? 0.01 : 0.25),
  rounds: number('BENCH_ROUNDS', smoke ? 1 : 5),
  memoryRounds: number('BENCH_MEMORY_ROUNDS', smoke ? 1 : 5),
  startupRounds: number('BENCH_STARTUP_ROUNDS', smoke ? 3 : 10),
  resumeSent: number('BENCH_RESUME_SENT', smoke ? 20_000 : 1_000_000),
  rateR: number('BENCH_RATE', smoke ? 10 : 20),
  rateSeconds: number('BENCH_RATE_SECONDS', smoke ? 12 : 40),
};
const selected = env.BENCH_CASES ? env.BENCH_CASES.split(',').map((name) => name.trim()) : cases.map((c) => c.id);
const unknown = selected.filter((name) => !cases.some((c) => c.id === name));
if (unknown.length) {
  console.error(`bench: unknown case(s) ${unknown.join(', ')}; known: ${cases.map((c) => c.id).join(', ')}`);
  process.exit(2);
}
const partial = selected.length < cases.length || smoke;

const git = (...args) => {
  try {
    return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};
const machine = {
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memoryGB: Math.round(os.totalmem() / 1e9),
  loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
};
const log = (text) => process.stderr.write(`${text}\n`);

const started = Date.now();
const root = await makeTempRoot();
const cleanup = async () => {
  if (env.BENCH_KEEP !== '1') await removeDir(root);
};
process.on('SIGINT', () => {
  void cleanup().finally(() => process.exit(130));
});

log(`bench: node ${machine.node}, ${machine.cpus} CPU(s), load ${machine.loadAverageAtStart.join(' ')}; temp ${root}`);
log(`bench: ${JSON.stringify(options)}`);
const results = [];
let failed = false;
try {
  for (const [index, benchCase] of cases.entries()) {
    if (!selected.includes(benchCase.id)) continue;
    const caseStarted = Date.now();
    log(`bench: case ${index + 1} ${benchCase.id} …`);
    try {
      const result = await benchCase.run({ ...options, root, log });
      result.seconds = Math.round((Date.now() - caseStarted) / 100) / 10;
      result.case = index + 1;
      results.push(result);
      console.log(
        `${result.skipped ? 'SKIP' : result.met ? 'MET ' : 'MISS'} ${index + 1} ${result.title}: ${result.line} [${result.seconds} s]`,
      );
    } catch (error) {
      failed = true;
      results.push({ case: index + 1, id: benchCase.id, error: error.stack ?? String(error) });
      console.log(`FAIL ${index + 1} ${benchCase.id}: ${error.message.split('\n')[0]}`);
      log(error.stack ?? String(error));
    }
  }
} finally {
  await cleanup();
}

const totalSeconds = Math.round((Date.now() - started) / 100) / 10;
const report = {
  generatedAt: new Date().toISOString(),
  command: partial ? `BENCH_CASES=${selected.join(',')}${smoke ? ' BENCH_SMOKE=1' : ''} npm run bench` : 'npm run bench',
  commit: git('rev-parse', 'HEAD'),
  uncommittedChanges: Boolean(git('status', '--porcelain', '--', 'src', 'bin', 'package.json')),
  machine: { ...machine, loadAverageAtEnd: os.loadavg().map((value) => Math.round(value * 100) / 100) },
  options,
  totalSeconds,
  allMet: results.every((result) => result.met || result.skipped),
  cases: results,
};
const out = path.join(benchDir, 'results', partial ? 'partial.json' : 'latest.json');
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, JSON.stringify(report, null, 2) + '\n');
console.log(
  `bench: ${results.filter((r) => r.met).length}/${results.filter((r) => !r.skipped).length} cases met their targets in ${totalSeconds} s; ${path.relative(process.cwd(), out)}`,
);
if (failed) process.exitCode = 1;
