/**
 * Case 5 — rate efficiency (issue 4). The sink (its own process) lets through at most R MAIL FROM per
 * sliding 1 s window and answers the excess `450 4.7.1 Error: too much mail from 127.0.0.1`, like
 * Postfix's anvil. mailshot is configured at 4 × R (`--rate 4R/s --max-concurrent 8`) with R × D
 * recipients. Targets: accepted rate over the run ≥ 90 % of R; rejected attempts < 5 % of attempts
 * after the first 10 s.
 */
import path from 'node:path';
import { addSmtpAccount, round, runMailshot, startSink, writeCampaign } from '../lib.js';

export const id = 'rate';

export async function run({ root, rateR, rateSeconds, log }) {
  const count = rateR * rateSeconds;
  const configDir = path.join(root, 'config');
  const dir = path.join(root, 'rate');
  const file = await writeCampaign(dir, count);
  const sink = await startSink(['--rate', String(rateR), '--window-ms', '1000', '--mode', 'sliding', '--times']);
  try {
    await addSmtpAccount(configDir, 'limited', sink.port);
    const { result, limitEvents } = await sendAtFourTimes(file, 'limited', {
      rateR,
      rateSeconds,
      configDir,
      state: path.join(dir, 'state'),
    });
    const stats = await sink.stats();
    const { figures, met, line } = rateOutcome({ stats, rateR, count, result, limitEvents, log });
    return { id, title: 'rate efficiency against a 450-throttling server', line, met, figures };
  } finally {
    await sink.close();
  }
}

/** `campaign send FILE --via VIA` at 4 × R and 8 at once, `--json`; collects its `limits` events. */
export async function sendAtFourTimes(file, via, { rateR, rateSeconds, configDir, state, env }) {
  const limitEvents = [];
  const result = await runMailshot(
    ['campaign', 'send', file, '--via', via, '--rate', `${rateR * 4}/s`, '--max-concurrent', '8', '--state', state, '--json'],
    {
      configDir,
      env,
      keepStdout: false,
      timeoutMs: (rateSeconds * 4 + 60) * 1000,
      onLine: (stream, line) => {
        if (stream === 'stdout' && line.startsWith('{"type":"limits"')) limitEvents.push(JSON.parse(line));
      },
    },
  );
  return { result, limitEvents };
}

/**
 * The figures and verdict of a rate run from the server's `stats` (bench/smtp-sink.js's shape: firstMailAt,
 * lastAcceptAt, accepted, rejected, admitTimes, rejectTimes), the allowed rate R and mailshot's result and
 * `limits` events. Shared by the provider variants (cases/rate-providers.js).
 */
export function rateOutcome({ stats, rateR, count, result, limitEvents, log }) {
  const start = stats.firstMailAt;
  const end = stats.lastAcceptAt;
  const warm = start + 10_000;
  const acceptedRate = stats.accepted / ((end - start) / 1000);
  const admittedAfter = stats.admitTimes.filter((at) => at >= warm).length;
  const rejectedAfter = stats.rejectTimes.filter((at) => at >= warm).length;
  const rejectedShare = rejectedAfter / Math.max(1, admittedAfter + rejectedAfter);
  const rejectedFirst10 = stats.rejectTimes.filter((at) => at < warm).length;
  const steadyRate = admittedAfter / ((end - warm) / 1000);
  const figures = {
    allowedPerSecond: rateR,
    configuredPerSecond: rateR * 4,
    recipients: count,
    exitCode: result.code,
    seconds: round((end - start) / 1000, 2),
    accepted: stats.accepted,
    acceptedPerSecond: round(acceptedRate, 2),
    percentOfAllowed: round((acceptedRate / rateR) * 100, 1),
    steadyPerSecondAfter10s: round(steadyRate, 2),
    rejectedTotal: stats.rejected,
    rejectedFirst10s: rejectedFirst10,
    attemptsAfter10s: admittedAfter + rejectedAfter,
    rejectedAfter10s: rejectedAfter,
    rejectedPercentAfter10s: round(rejectedShare * 100, 2),
    limitChanges: limitEvents.length,
    lastLimits: limitEvents.at(-1) && { concurrency: limitEvents.at(-1).concurrency, rate: limitEvents.at(-1).rate },
    rejectsPerSecond: perSecond(stats.rejectTimes, start, end),
    admitsPerSecond: perSecond(stats.admitTimes, start, end),
  };
  log(`  accepted/s by second: ${figures.admitsPerSecond.join(' ')}`);
  log(`  rejected/s by second: ${figures.rejectsPerSecond.join(' ')}`);
  // A run that paused (exit 75: recipients deferred after repeated throttling) is a miss, not a crash.
  if (result.code !== 0) log(`  mailshot exited ${result.code}: ${result.stderr.trim().split('\n').pop()}`);
  const met = {
    rate: acceptedRate >= 0.9 * rateR,
    rejections: rejectedShare < 0.05,
    completed: result.code === 0 && stats.accepted === count,
  };
  const line =
    `allowed ${rateR}/s, configured ${rateR * 4}/s: accepted ${acceptedRate.toFixed(1)}/s = ${figures.percentOfAllowed}% of R (target ≥ 90%); ` +
    `rejected ${figures.rejectedPercentAfter10s}% of attempts after 10 s (target < 5%), ${rejectedFirst10} in the first 10 s; ` +
    `${stats.accepted}/${count} messages in ${figures.seconds} s${result.code === 0 ? '' : `, exit ${result.code}`}`;
  return { figures: { ...figures, met }, met: met.rate && met.rejections && met.completed, line };
}

/** Counts per whole second from `start`. */
function perSecond(times, start, end) {
  const buckets = new Array(Math.ceil((end - start) / 1000) + 1).fill(0);
  for (const at of times) buckets[Math.floor((at - start) / 1000)]++;
  return buckets;
}
