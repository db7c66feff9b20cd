/**
 * Case 10 — `report --format json` at 1,000,000 recipients (≤ 5 s, issue 27). A finished campaign's state
 * folder is generated (bench/write-journal.js: attempt + sent per recipient, via the outbox). Each round
 * times, from spawn to exit: `wc -l` of the journal and a node process that reads it through (the floor
 * of any reader), then `report --format json` (stdout read and discarded), with its CPU seconds and peak RSS.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expectExit, median, round, runMailshot, runNode, writeCampaign } from '../lib.js';
import { writeJournal } from '../write-journal.js';

export const id = 'report';

const readThrough =
  "const fs = require('node:fs'); const fd = fs.openSync(process.argv[1], 'r'); const chunk = Buffer.alloc(1 << 16); let lines = 0, n;" +
  ' while ((n = fs.readSync(fd, chunk, 0, chunk.length, null))) for (let i = chunk.indexOf(10); i >= 0 && i < n; i = chunk.indexOf(10, i + 1)) lines++;' +
  ' console.log(lines);';

export async function run({ root, resumeSent, rounds, log }) {
  const recipients = resumeSent;
  const configDir = path.join(root, 'config');
  const dir = path.join(root, 'report');
  const file = await writeCampaign(dir, 10); // the report reads the state folder, not the list
  const stateDir = path.join(dir, 'state');
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const journalFile = path.join(stateDir, 'journal.jsonl');
  const journalBytes = await writeJournal(journalFile, recipients);
  const now = new Date().toISOString();
  const state = { version: 1, campaignId: '0c9e5a51-3f0b-4f7e-8a51-2b7d4c1e9f20', campaignFile: file, via: 'outbox' };
  await writeFile(
    path.join(stateDir, 'state.json'),
    JSON.stringify({ ...state, status: 'done', journalBytes, recipients, createdAt: now, updatedAt: now }, null, 2) + '\n',
    { mode: 0o600 },
  );
  log(`  generated ${recipients} recipients sent: journal ${(journalBytes / 1e6).toFixed(0)} MB`);

  const samples = { wcSeconds: [], readSeconds: [], reportSeconds: [], reportCpuSeconds: [], reportPeakRssMB: [], jsonMB: [] };
  for (let index = 0; index < rounds; index++) {
    samples.wcSeconds.push(await timed('wc', ['-l', journalFile]));
    const read = await runNode('-e', [readThrough, journalFile], { measure: false });
    expectExit(read, 0, 'read-through');
    samples.readSeconds.push(read.wallMs / 1000);
    const report = expectExit(
      await runMailshot(['report', file, '--state', stateDir, '--format', 'json'], { configDir, keepStdout: false }),
      0,
      'report --format json',
    );
    samples.reportSeconds.push(report.wallMs / 1000);
    samples.reportCpuSeconds.push(report.usage.cpuSeconds);
    samples.reportPeakRssMB.push(report.usage.maxRssBytes / 1e6);
    samples.jsonMB.push(report.stdoutBytes / 1e6);
    log(
      `  round ${index + 1}/${rounds}: wc -l ${samples.wcSeconds.at(-1).toFixed(2)} s, node read-through ${samples.readSeconds.at(-1).toFixed(2)} s, ` +
        `report --format json ${samples.reportSeconds.at(-1).toFixed(2)} s (CPU ${samples.reportCpuSeconds.at(-1).toFixed(2)} s, ${samples.jsonMB.at(-1).toFixed(0)} MB of JSON, peak RSS ${samples.reportPeakRssMB.at(-1).toFixed(0)} MB)`,
    );
  }
  if (process.env.BENCH_KEEP !== '1') await rm(dir, { recursive: true, force: true });
  const figures = {
    recipients,
    journalMB: round(journalBytes / 1e6, 1),
    rounds,
    ...Object.fromEntries(Object.entries(samples).map(([key, list]) => [key, round(median(list), 3)])),
    samples,
  };
  return {
    id,
    title: 'report --format json at 1 M',
    line:
      `${recipients} recipients: report --format json ${figures.reportSeconds.toFixed(2)} s (target ≤ 5 s; CPU ${figures.reportCpuSeconds.toFixed(2)} s), peak RSS ${figures.reportPeakRssMB.toFixed(0)} MB; ` +
      `beside wc -l ${figures.wcSeconds.toFixed(2)} s, node read-through ${figures.readSeconds.toFixed(2)} s`,
    met: figures.reportSeconds <= 5,
    figures,
  };
}

async function timed(command, args) {
  const started = performance.now();
  const child = spawn(command, args, { stdio: 'ignore' });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${command} exited ${code}`);
  return (performance.now() - started) / 1000;
}
