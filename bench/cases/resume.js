/**
 * Case 3 — resume is instant. A state folder is generated directly, in the formats of
 * src/store/journal.ts and src/store/state.ts: 1,000,000 recipients finished (`attempt` + `sent`, as
 * mailshot writes them) and 1,000 pending (the last rows of the CSV, as after a crash), via the outbox.
 * One untimed `campaign resume --limit 0` first (the run that stopped before the last 1,000 rows): it
 * reads everything and leaves the checkpoint (src/delivery/checkpoint.ts); then one untimed `status`, which
 * keeps its snapshot of the journal (src/report/status-snapshot.ts). Timed, against ≤ 1 s, ≤ 1 s, ≤ 5 s:
 *  - `campaign resume --json`: from spawn to the first `recipient` event on stdout (the message was
 *    handed to the transport, written, and journalled: a slight over-estimate of "handed over");
 *  - `campaign status` and `report --format json` on the same (restored) state.
 * Between rounds the state is restored: the journal is cut back to its generated length (it is
 * append-only), state.json rewritten, the outbox emptied.
 */
import { mkdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expectExit, median, round, runMailshot, writeCampaign } from '../lib.js';
import { writeJournal } from '../write-journal.js';

export const id = 'resume';

export async function run({ root, resumeSent, rounds, log }) {
  const pending = 1000;
  const total = resumeSent + pending;
  const configDir = path.join(root, 'config');
  const dir = path.join(root, 'resume');
  const generated = Date.now();
  const file = await writeCampaign(dir, total);
  const stateDir = path.join(dir, 'state');
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const journalFile = path.join(stateDir, 'journal.jsonl');
  const journalBytes = await writeJournal(journalFile, resumeSent);
  const state = {
    version: 1,
    campaignId: '6f1c1c9e-6a43-4c1e-9d0e-5b1d2a7c0b11',
    campaignFile: file,
    via: 'outbox',
    status: 'paused',
    reason: 'interrupted; in-flight messages were finished and recorded',
    recipients: total,
    createdAt: new Date(generated - 3_600_000).toISOString(),
    updatedAt: new Date(generated).toISOString(),
  };
  let restoredBytes = journalBytes;
  let restoredState = JSON.stringify(state, null, 2) + '\n';
  let restoredFiles = {}; // the checkpoint and the status snapshot, which each run rewrites
  const restore = async () => {
    await truncate(journalFile, restoredBytes);
    await writeFile(path.join(stateDir, 'state.json'), restoredState, { mode: 0o600 });
    for (const [name, bytes] of Object.entries(restoredFiles)) await writeFile(path.join(stateDir, name), bytes, { mode: 0o600 });
    await rm(path.join(stateDir, 'outbox'), { recursive: true, force: true });
    await rm(path.join(stateDir, 'lock'), { force: true });
  };
  log(
    `  generated ${resumeSent} finished + ${pending} pending: journal ${(journalBytes / 1e6).toFixed(0)} MB, in ${((Date.now() - generated) / 1000).toFixed(1)} s`,
  );

  // The run that finished the 1,000,000 stopped before the last 1,000 (here: `--limit 0`, as at a daily
  // limit): it read the whole journal and list, and left the checkpoint the timed resumes start from.
  await restore();
  const checkpointRun = expectExit(
    await runMailshot(['campaign', 'resume', file, '--state', stateDir, '--limit', '0'], { configDir }),
    75,
    'campaign resume --limit 0',
  );
  // The first `status` after it reads the whole journal and keeps its snapshot (status-snapshot.json).
  const firstStatus = expectExit(
    await runMailshot(['campaign', 'status', file, '--state', stateDir], { configDir }),
    0,
    'campaign status (first)',
  );
  log(`  first status (reads the whole journal, writes its snapshot): ${(firstStatus.wallMs / 1000).toFixed(2)} s`);
  restoredBytes = (await stat(journalFile)).size;
  restoredState = await readFile(path.join(stateDir, 'state.json'), 'utf8');
  for (const name of ['checkpoint.json', 'checkpoint.keys', 'status-snapshot.json'])
    restoredFiles[name] = await readFile(path.join(stateDir, name));
  log(`  resume without a checkpoint (reads everything, writes the checkpoint): ${(checkpointRun.wallMs / 1000).toFixed(2)} s`);

  const samples = { firstMessage: [], resumeTotal: [], status: [], report: [] };
  for (let index = 0; index < rounds; index++) {
    await restore();
    let firstAt;
    const resumed = await runMailshot(['campaign', 'resume', file, '--state', stateDir, '--json'], {
      configDir,
      keepStdout: false,
      onLine: (stream, line, ms) => {
        if (stream === 'stdout' && firstAt === undefined && line.startsWith('{"type":"recipient"')) firstAt = ms;
      },
    });
    expectExit(resumed, 0, 'campaign resume');
    if (firstAt === undefined) throw new Error('campaign resume sent nothing');
    samples.firstMessage.push(firstAt / 1000);
    samples.resumeTotal.push(resumed.wallMs / 1000);

    await restore();
    const status = expectExit(await runMailshot(['campaign', 'status', file, '--state', stateDir], { configDir }), 0, 'campaign status');
    samples.status.push(status.wallMs / 1000);

    const report = expectExit(
      await runMailshot(['report', file, '--state', stateDir, '--format', 'json'], { configDir, keepStdout: false }),
      0,
      'report --format json',
    );
    samples.report.push(report.wallMs / 1000);
    log(
      `  round ${index + 1}/${rounds}: first message after ${(firstAt / 1000).toFixed(2)} s (resume done in ${(resumed.wallMs / 1000).toFixed(2)} s, peak RSS ${(resumed.usage.maxRssBytes / 1e6).toFixed(0)} MB); ` +
        `status ${(status.wallMs / 1000).toFixed(2)} s; report ${(report.wallMs / 1000).toFixed(2)} s (${(report.stdoutBytes / 1e6).toFixed(0)} MB of JSON, peak RSS ${(report.usage.maxRssBytes / 1e6).toFixed(0)} MB)`,
    );
    samples.peakRssMB ??= {};
    for (const [what, result] of [
      ['resume', resumed],
      ['status', status],
      ['report', report],
    ]) {
      (samples.peakRssMB[what] ??= []).push(result.usage.maxRssBytes / 1e6);
    }
  }
  await restore();
  if (process.env.BENCH_KEEP !== '1') await rm(dir, { recursive: true, force: true });

  const figures = {
    finished: resumeSent,
    pending,
    journalMB: round(journalBytes / 1e6, 1),
    rounds,
    withoutCheckpointSeconds: round(checkpointRun.wallMs / 1000, 3),
    firstStatusSeconds: round(firstStatus.wallMs / 1000, 3),
    firstMessageSeconds: round(median(samples.firstMessage), 3),
    resumeTotalSeconds: round(median(samples.resumeTotal), 3),
    statusSeconds: round(median(samples.status), 3),
    reportSeconds: round(median(samples.report), 3),
    peakRssMB: Object.fromEntries(Object.entries(samples.peakRssMB).map(([what, list]) => [what, round(median(list), 1)])),
    samples,
  };
  const met = { resume: figures.firstMessageSeconds <= 1, status: figures.statusSeconds <= 1, report: figures.reportSeconds <= 5 };
  return {
    id,
    title: 'resume is instant',
    line:
      `${resumeSent} done + ${pending} pending: first message ${figures.firstMessageSeconds.toFixed(2)} s, ` +
      `status ${figures.statusSeconds.toFixed(2)} s, report ${figures.reportSeconds.toFixed(2)} s (targets ≤ 1 s, ≤ 1 s, ≤ 5 s); ` +
      `without a checkpoint ${figures.withoutCheckpointSeconds.toFixed(2)} s, first status ${figures.firstStatusSeconds.toFixed(2)} s`,
    met: met.resume && met.status && met.report,
    figures: { ...figures, met },
  };
}
