/**
 * Case 1 — throughput against the raw pool. The same N messages (Liquid subject, Markdown body) go to
 * the SMTP sink (its own process) once through `mailshot campaign send --max-concurrent 8` (journal
 * on) and once through bench/baseline-pool.js (nodemailer pool, 8 connections, string replacement),
 * alternating which goes first, for several rounds, at N and 20 × N recipients (5,000 and 100,000 at
 * BENCH_SCALE 0.25). Targets (issue 27): mailshot ≥ 1.0 × baseline msg/s at N and ≥ 1.2 × at 20 × N, CPU
 * per message ≤ 1.1 × the baseline's.
 *
 * msg/s is end to end: N ÷ the process's wall time (spawn to exit), which is what a person waits for,
 * start-up and mailshot's pre-send check of the list included. The sink also reports the sending phase
 * alone (first MAIL FROM to last accepted message), shown beside it.
 */
import path from 'node:path';
import { addSmtpAccount, benchDir, expectExit, median, round, runMailshot, runNode, startSink, writeCampaign } from '../lib.js';

export const id = 'throughput';

export async function run({ root, scale, rounds, log }) {
  const counts = [Math.max(200, Math.round(20_000 * scale)), Math.max(200, Math.round(400_000 * scale))];
  const configDir = path.join(root, 'config');
  const warmDir = path.join(root, 'throughput-warm');
  const warmFile = await writeCampaign(warmDir, 200);
  const sink = await startSink();
  try {
    await addSmtpAccount(configDir, 'sink', sink.port, ['--max-concurrent', '8']);
    let stateCounter = 0;

    const measure = async (side, campaign, dir, n) => {
      await sink.reset();
      const before = (await sink.stats()).cpu;
      let result;
      if (side === 'mailshot') {
        result = await runMailshot(
          [
            'campaign',
            'send',
            campaign,
            '--via',
            'sink',
            '--max-concurrent',
            '8',
            '--state',
            path.join(root, `throughput-state-${++stateCounter}`),
          ],
          { configDir, keepStdout: false },
        );
        expectExit(result, 0, 'mailshot campaign send');
      } else {
        result = await runNode(path.join(benchDir, 'baseline-pool.js'), ['--port', String(sink.port), '--dir', dir, '--connections', '8']);
        expectExit(result, 0, 'baseline-pool');
        const outcome = JSON.parse(result.stdout.trim().split('\n').pop());
        if (outcome.failed) throw new Error(`baseline: ${outcome.failed} failed (${outcome.firstError})`);
      }
      const stats = await sink.stats();
      if (stats.accepted !== n) throw new Error(`${side}: the sink accepted ${stats.accepted} messages, expected ${n}`);
      const sinkCpu = (stats.cpu.user + stats.cpu.system - before.user - before.system) / 1e6;
      return {
        wallSeconds: result.wallMs / 1000,
        messagesPerSecond: n / (result.wallMs / 1000),
        sendingPhasePerSecond: n / ((stats.lastAcceptAt - stats.firstMailAt) / 1000),
        cpuSecondsPer1000: (result.usage.cpuSeconds / n) * 1000,
        peakRssMB: result.usage.maxRssBytes / 1e6,
        sinkCpuSecondsPer1000: (sinkCpu / n) * 1000,
        bytesPerMessage: stats.bytes / n,
        sinkConnections: stats.connections,
      };
    };

    // Warm-up: page cache, the sink's JIT, the first connection; not counted.
    await measure('mailshot', warmFile, warmDir, 200);
    await measure('baseline', warmFile, warmDir, 200);

    const targets = [1.0, 1.2];
    const bySize = [];
    for (const [index, count] of counts.entries()) {
      const campaignDir = path.join(root, `throughput-${count}`);
      const file = await writeCampaign(campaignDir, count);
      bySize.push(
        await compare({ measure: (side) => measure(side, file, campaignDir, count), count, rounds, log, target: targets[index] }),
      );
    }
    const met = bySize.every((size) => size.met);
    return {
      id,
      title: 'throughput vs raw nodemailer pool',
      line: bySize.map((size) => size.line).join(' | '),
      met,
      figures: { bySize },
    };
  } finally {
    await sink.close();
  }
}

/** Rounds alternating which side goes first at one list size; medians side by side. */
async function compare({ measure, count, rounds, log, target }) {
  const samples = { mailshot: [], baseline: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['mailshot', 'baseline'] : ['baseline', 'mailshot'];
    for (const side of order) {
      const sample = await measure(side);
      samples[side].push(sample);
      log(
        `  ${count}: round ${round + 1}/${rounds} ${side.padEnd(8)} ${sample.messagesPerSecond.toFixed(0)} msg/s end to end, ${sample.sendingPhasePerSecond.toFixed(0)} msg/s sending phase, ${sample.cpuSecondsPer1000.toFixed(2)} CPU s/1000`,
      );
    }
  }
  const summarise = (list) =>
    Object.fromEntries(Object.keys(list[0]).map((key) => [key, round(median(list.map((sample) => sample[key])), 3)]));
  const mailshot = summarise(samples.mailshot);
  const baseline = summarise(samples.baseline);
  const ratio = mailshot.messagesPerSecond / baseline.messagesPerSecond;
  const cpuRatio = mailshot.cpuSecondsPer1000 / baseline.cpuSecondsPer1000;
  const roundRatios = samples.mailshot.map((sample, index) => sample.messagesPerSecond / samples.baseline[index].messagesPerSecond);
  const phaseRatio = mailshot.sendingPhasePerSecond / baseline.sendingPhasePerSecond;
  return {
    recipients: count,
    rounds,
    line:
      `${count}: mailshot ${mailshot.messagesPerSecond.toFixed(0)} msg/s vs pool ${baseline.messagesPerSecond.toFixed(0)} msg/s = ${ratio.toFixed(2)}× (target ≥ ${target}×); ` +
      `sending phase ${phaseRatio.toFixed(2)}×; CPU s/1000 msg ${mailshot.cpuSecondsPer1000.toFixed(2)} vs ${baseline.cpuSecondsPer1000.toFixed(2)} = ${cpuRatio.toFixed(2)}× (≤ 1.1×)`,
    met: ratio >= target && cpuRatio <= 1.1,
    ratio: round(ratio, 3),
    ratioTarget: target,
    cpuRatio: round(cpuRatio, 3),
    roundRatios: roundRatios.map((value) => round(value, 3)),
    sendingPhaseRatio: round(phaseRatio, 3),
    mailshot,
    baseline,
    samples,
  };
}
