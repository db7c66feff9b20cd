/**
 * Case 4 — start-up. Wall time from spawn to exit of `mailshot --help` (≤ 0.10 s), `mailshot campaign validate`
 * of examples/welcome (≤ 0.25 s), `mailshot accounts list` and `mailshot campaign status FILE` (a small
 * finished campaign; each ≤ 0.3 s); `node -e 0` beside them.
 * The commands run round-robin for several rounds (median), without the bench's usage preload.
 * Also lists which heavy packages each command loads, to show the lazy loading holds.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { benchDir, expectExit, mailshotBin, mailshotEnv, median, repoRoot, round, runMailshot, runNode, writeCampaign } from '../lib.js';

export const id = 'startup';

const bundledPackage = /^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm;

const heavy = [
  'ajv',
  'semver',
  'liquidjs',
  'marked',
  'html-to-text',
  'nodemailer',
  'csv-parse',
  'zod',
  'yaml',
  'cli-progress',
  '@napi-rs/keyring',
  'conf',
  'luxon',
  'chrono-node',
  'open',
  '@googleapis/gmail',
  'googleapis-common',
  'google-auth-library',
  'gaxios',
  '@azure/msal-node',
  '@azure/msal-common',
];

export async function run({ root, startupRounds, log }) {
  const configDir = path.join(root, 'config');
  const dir = path.join(root, 'startup');
  const file = await writeCampaign(dir, 100);
  expectExit(await runMailshot(['campaign', 'send', file], { configDir }), 0, 'campaign send (outbox, 100)');
  const example = path.join(repoRoot, 'examples', 'welcome', 'campaign.yaml');

  const commands = {
    'node -e 0': { script: '-e', args: ['0'] },
    'mailshot --help': { script: mailshotBin, args: ['--help'] },
    'mailshot accounts list': { script: mailshotBin, args: ['accounts', 'list'] },
    'mailshot campaign status': { script: mailshotBin, args: ['campaign', 'status', file] },
    'mailshot campaign validate': { script: mailshotBin, args: ['campaign', 'validate', example] },
  };
  // issue 27's targets on a quiet machine: --help ≤ 0.10 s, validate of the example ≤ 0.25 s
  const target = (name) => ({ 'mailshot --help': 0.1, 'mailshot campaign validate': 0.25 })[name] ?? 0.3;
  const samples = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let index = 0; index < startupRounds; index++) {
    for (const [name, { script, args }] of Object.entries(commands)) {
      const result = await runNode(script, args, { env: mailshotEnv(configDir), measure: false });
      expectExit(result, 0, name);
      samples[name].push(result.wallMs / 1000);
    }
  }
  const seconds = Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, round(median(list), 3)]));

  // Which packages each command loads (one extra run each, with a loader hook that logs resolutions).
  const loaded = {};
  for (const [name, { script, args }] of Object.entries(commands)) {
    if (script === '-e') continue;
    const result = await runNode(script, args, {
      env: mailshotEnv(configDir),
      measure: false,
      nodeArgs: ['--import', path.join(benchDir, 'module-trace.js')],
    });
    const packages = new Set();
    for (const line of result.stderr.split('\n')) {
      const match = /^bench-module: .*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
      if (match) packages.add(match[1]);
      // a package bundled into dist/bundle is named in the comments of the chunks that hold it
      const chunk = /^bench-module: (.*\/dist\/bundle\/.*\.js)$/.exec(line);
      if (chunk) for (const [, name] of readFileSync(chunk[1], 'utf8').matchAll(bundledPackage)) packages.add(name);
    }
    loaded[name] = heavy.filter((pkg) => packages.has(pkg));
  }
  const mailshotNames = Object.keys(commands).filter((name) => name.startsWith('mailshot'));
  const met = Object.fromEntries(mailshotNames.map((name) => [name, seconds[name] <= target(name)]));
  log(`  heavy packages loaded: ${mailshotNames.map((name) => `${name.slice(9)}: ${loaded[name].join(', ') || 'none'}`).join(' · ')}`);
  return {
    id,
    title: 'start-up',
    line:
      mailshotNames.map((name) => `${name.replace('mailshot ', '')} ${seconds[name].toFixed(3)} s (≤ ${target(name)})`).join(', ') +
      `; node -e 0 ${seconds['node -e 0'].toFixed(3)} s`,
    met: Object.values(met).every(Boolean),
    figures: { rounds: startupRounds, seconds, met, heavyPackagesLoaded: loaded, samples },
  };
}
