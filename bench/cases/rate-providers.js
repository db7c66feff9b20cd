/**
 * Case 5 against the provider simulators of the tests (issue 8: "the same for the Gmail and Graph
 * simulators"): test/servers/gmail.ts and graph.ts, each in its own process (bench/provider-sim.mjs).
 * The account is linked as the tests do it, the bench playing the person's part; then the rate case's
 * run: mailshot at 4 × R and 8 at once, R × D recipients, the same figures and targets (cases/rate.js).
 *
 * - Gmail (`rate-gmail`): R = 10 sends/s as a quota of 1,000 units (100 a send) per sliding 1 s window —
 *   a per-minute quota would let a 40 s run through in one burst — answered with Gmail's 429
 *   "User-rate limit exceeded.  Retry after <time>"; 10 requests at once per user, 50 ms per request.
 * - Graph (`rate-graph`): R = 20 messages per sliding 1 s window, 429 TooManyRequests with
 *   `Retry-After: 0.5`; Outlook's 4 requests at once (429 ApplicationThrottled), 50 ms per sendMail.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expectExit, runMailshot, startProviderSimulator, writeCampaign } from '../lib.js';
import { rateOutcome, sendAtFourTimes } from './rate.js';

export const gmail = {
  id: 'rate-gmail',
  title: 'rate efficiency against the Gmail simulator',
  rateR: 10,
  simulator: (rateR) => ({ quota: { units: rateR * 100, windowMs: 1000 }, apiLatencyMs: 50 }),
  /** `accounts add google --no-browser`: GET the printed sign-in address, follow its 302 to the CLI's loopback. */
  async link(sim, configDir, env) {
    let browsing;
    const result = await runMailshot(
      ['accounts', 'add', 'google', 'gmail', '--client-id', sim.client.id, '--client-secret-env', 'GOOGLE_CLIENT_SECRET', '--no-browser'],
      {
        configDir,
        env: { ...env, GOOGLE_CLIENT_SECRET: sim.client.secret },
        measure: false,
        timeoutMs: 30_000,
        onLine: (stream, line) => {
          const address = /http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?\S+/.exec(line)?.[0];
          if (stream === 'stderr' && address && !browsing) {
            browsing = fetch(address, { redirect: 'manual' }).then((answer) => fetch(answer.headers.get('location')));
          }
        },
      },
    );
    await browsing;
    expectExit(result, 0, 'accounts add google');
    return { via: 'gmail', from: 'Sender <sender@example.com>' };
  },
};

export const graph = {
  id: 'rate-graph',
  title: 'rate efficiency against the Graph simulator',
  rateR: 20,
  simulator: (rateR) => ({ rate: { max: rateR, windowMs: 1000, retryAfter: '0.5' }, maxConcurrent: 4, delayMs: 50 }),
  /** `accounts add microsoft --device-code`: the simulator approves the code at the first poll. */
  async link(sim, configDir, env) {
    const result = await runMailshot(['accounts', 'add', 'microsoft', 'outlook', '--client-id', sim.clientId, '--device-code'], {
      configDir,
      env,
      measure: false,
      timeoutMs: 30_000,
    });
    expectExit(result, 0, 'accounts add microsoft');
    return { via: 'outlook', from: `Megan <${sim.address}>` };
  },
};

for (const provider of [gmail, graph]) {
  provider.run = async ({ root, rateSeconds, log }) => {
    const { id, rateR } = provider;
    const count = rateR * rateSeconds;
    const configDir = path.join(root, `config-${id}`);
    const dir = path.join(root, id);
    const sim = await startProviderSimulator(id.replace('rate-', ''), provider.simulator(rateR));
    try {
      const env = { ...sim.env };
      if (sim.certificate) {
        env.NODE_EXTRA_CA_CERTS = path.join(root, `${id}-ca.pem`);
        await writeFile(env.NODE_EXTRA_CA_CERTS, sim.certificate);
      }
      const { via, from } = await provider.link(sim, configDir, env);
      const file = await writeCampaign(dir, count, { from });
      const { result, limitEvents } = await sendAtFourTimes(file, via, {
        rateR,
        rateSeconds,
        configDir,
        env,
        state: path.join(dir, 'state'),
      });
      const stats = await sim.stats();
      for (const [refusal, times] of Object.entries(stats.refusals)) log(`  refused ${times}×: ${refusal}`);
      for (const event of limitEvents) log(`  limits: concurrency ${event.concurrency}, rate ${event.rate ?? '-'}: ${event.why}`);
      const { figures, met, line } = rateOutcome({ stats, rateR, count, result, limitEvents, log });
      return { id, title: provider.title, line, met, figures: { ...figures, refusals: stats.refusals, limits: limitEvents } };
    } finally {
      await sim.close();
    }
  };
}
