/** Shared helpers of the benchmark cases: processes, measurements, campaign folders, the SMTP sink. */
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const benchDir = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(benchDir, '..');
export const mailshotBin = path.join(repoRoot, 'bin/mailshot.js');
const usagePreload = path.join(benchDir, 'usage-preload.js');

export function median(values) {
  const sorted = values.filter((value) => value !== undefined && !Number.isNaN(value)).sort((a, b) => a - b);
  if (!sorted.length) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function round(value, digits = 2) {
  if (value === undefined || value === null || Number.isNaN(value)) return undefined;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function makeTempRoot() {
  return mkdtemp(path.join(os.tmpdir(), 'mailshot-bench-'));
}

export async function removeDir(dir) {
  await rm(dir, { recursive: true, force: true });
}

/** Environment for a mailshot child: a private config folder and the file secret store. */
export function mailshotEnv(configDir, extra = {}) {
  return { ...process.env, MAILSHOT_CONFIG_DIR: configDir, MAILSHOT_SECRET_STORE: 'file', NO_COLOR: '1', ...extra };
}

let usageCounter = 0;

/**
 * Runs `node [nodeArgs] script args` as a child and measures it: wall time from spawn to exit (as the
 * parent sees it), and, through the usage preload, the child's CPU seconds and peak RSS.
 * `onLine(stream, line, msSinceSpawn)` sees each output line as it comes; return `'kill'` to stop the child.
 */
export async function runNode(script, args, options = {}) {
  const usageFile = path.join(options.usageDir ?? os.tmpdir(), `usage-${process.pid}-${++usageCounter}.json`);
  const env = { ...(options.env ?? process.env), BENCH_USAGE_FILE: usageFile };
  const nodeArgs = [...(options.nodeArgs ?? []), ...(options.measure === false ? [] : ['--import', usagePreload])];
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: options.cwd ?? repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let stdoutBytes = 0;
  const lines = { stdout: '', stderr: '' };
  const feed = (name) => (chunk) => {
    const text = chunk.toString('utf8');
    if (name === 'stdout') stdoutBytes += chunk.length;
    if (name === 'stdout' && options.keepStdout !== false) stdout += text;
    if (name === 'stderr') stderr += text;
    if (!options.onLine) return;
    lines[name] += text;
    let newline;
    while ((newline = lines[name].indexOf('\n')) >= 0) {
      const line = lines[name].slice(0, newline);
      lines[name] = lines[name].slice(newline + 1);
      if (options.onLine(name, line, performance.now() - started) === 'kill') child.kill('SIGKILL');
    }
  };
  child.stdout.on('data', feed('stdout'));
  child.stderr.on('data', feed('stderr'));
  const timeout = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
  // Optional RSS timeline from /proc (Linux): [ms since spawn, resident bytes].
  const rssSamples = [];
  const sampler = options.sampleRssMs
    ? setInterval(() => {
        try {
          const pages = Number(readFileSync(`/proc/${child.pid}/statm`, 'utf8').split(' ')[1]);
          rssSamples.push([Math.round(performance.now() - started), pages * 4096]);
        } catch {
          // the process is gone, or no /proc
        }
      }, options.sampleRssMs)
    : undefined;
  const [code, signal] = await once(child, 'exit');
  const wallMs = performance.now() - started;
  clearTimeout(timeout);
  clearInterval(sampler);
  if (!child.stdout.readableEnded) await once(child.stdout, 'end').catch(() => undefined);
  let usage;
  try {
    usage = JSON.parse(await readFile(usageFile, 'utf8'));
    await rm(usageFile, { force: true });
  } catch {
    usage = undefined; // killed before exit handlers ran, or not measured
  }
  return { code, signal, stdout, stdoutBytes, stderr, wallMs, usage, rssSamples };
}

/** Runs the mailshot CLI (bin/mailshot.js) with the bench's config folder. */
export function runMailshot(args, { configDir, env, ...options } = {}) {
  return runNode(mailshotBin, args, { ...options, env: mailshotEnv(configDir, env) });
}

/** Throws with the child's output when it did not exit as expected. */
export function expectExit(result, codes, what) {
  const allowed = Array.isArray(codes) ? codes : [codes];
  if (!allowed.includes(result.code)) {
    throw new Error(`${what}: exit ${result.code ?? result.signal}, expected ${allowed.join(' or ')}\n${result.stderr.slice(-2000)}`);
  }
  return result;
}

/** Forks bench/smtp-sink.js and waits for its port. */
export function startSink(args = []) {
  return forkServer(path.join(benchDir, 'smtp-sink.js'), args);
}

/**
 * Forks bench/provider-sim.mjs: the tests' Gmail or Graph simulator (TypeScript, through the tests' SWC
 * loader) with `simulator` options; resolves with its `ready` message (env, client …) and stats/close.
 */
export function startProviderSimulator(provider, simulator) {
  const loader = pathToFileURL(path.join(repoRoot, 'test/servers/ts-loader.mjs')).href;
  return forkServer(path.join(benchDir, 'provider-sim.mjs'), [JSON.stringify({ provider, simulator })], { execArgv: ['--import', loader] });
}

/** Forks a server script that speaks the sink's IPC: {type: 'ready', …} once listening, then stats/reset/exit. */
async function forkServer(script, args, options = {}) {
  const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...options });
  const waiting = [];
  child.on('message', (message) => {
    const index = waiting.findIndex((entry) => entry.type === message.type);
    if (index >= 0) waiting.splice(index, 1)[0].resolve(message);
  });
  const next = (type) => new Promise((resolve) => waiting.push({ type, resolve }));
  const exitedEarly = once(child, 'exit').then(([code]) => {
    throw new Error(`${path.basename(script)} exited ${code} before it was ready`);
  });
  const ready = await Promise.race([next('ready'), exitedEarly]);
  exitedEarly.catch(() => undefined);
  const ask = (cmd) => {
    const answer = next(cmd);
    child.send({ cmd });
    return answer;
  };
  return {
    ...ready,
    pid: child.pid,
    stats: () => ask('stats'),
    reset: () => ask('reset'),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ cmd: 'exit' });
      await exited;
    },
  };
}

/** Links an SMTP account pointing at a local server (no TLS, no auth). */
export async function addSmtpAccount(configDir, name, port, extra = []) {
  const result = await runMailshot(
    ['accounts', 'add', 'smtp', name, '--host', '127.0.0.1', '--port', String(port), '--security', 'none', ...extra],
    { configDir, measure: false },
  );
  expectExit(result, 0, `accounts add smtp ${name}`);
}

/** The campaign used by the sending cases: a Liquid-personalised subject and a Markdown body with several merge tags. */
export const campaignMarkdown = `# Your {{ plan }} plan, {{ name }}

Hello **{{ name }}**,

thank you for being with us in {{ city }}. Here is what changed this month:

- faster sending on every plan, including **{{ plan }}**
- a new [dashboard](https://example.com/dashboard) with *live* figures
- replies now arrive in the inbox you choose

| What | Before | Now |
| ---- | ------ | --- |
| Speed | 1× | 2× |
| Limit | 500 | 1,000 |

If anything is unclear, answer this message: a person reads every reply.

Kind regards,
The Example team
`;

export const campaignSubject = 'Hello {{ name }}, news about your {{ plan }} plan';
const plans = ['Free', 'Team', 'Business', 'Enterprise'];
const cities = ['Lisbon', 'Oslo', 'Kraków', 'Montréal', 'Nairobi', 'Osaka'];

/** Row `index` of the recipients CSV. */
export function recipientRow(index) {
  return {
    email: `r${index}@example.com`,
    name: `Person ${index}`,
    plan: plans[index % plans.length],
    city: cities[index % cities.length],
  };
}

/** Writes `count` recipients as CSV, streaming (works for millions of rows). */
export async function writeRecipientsCsv(file, count) {
  const out = createWriteStream(file);
  out.write('email,name,plan,city\n');
  const chunk = 10_000;
  for (let start = 0; start < count; start += chunk) {
    let text = '';
    for (let index = start; index < Math.min(count, start + chunk); index++) {
      const row = recipientRow(index);
      text += `${row.email},${row.name},${row.plan},${row.city}\n`;
    }
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Writes campaign.yaml + body.md + recipients.csv (count rows) into dir; returns the campaign file. */
export async function writeCampaign(dir, count, fields = {}) {
  await mkdir(dir, { recursive: true });
  const yaml = {
    name: 'Bench campaign',
    from: 'Sender <sender@example.com>',
    subject: campaignSubject,
    markdown: 'body.md',
    recipients: 'recipients.csv',
    ...fields,
  };
  await writeFile(
    path.join(dir, 'campaign.yaml'),
    Object.entries(yaml)
      .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
      .join('\n') + '\n',
  );
  await writeFile(path.join(dir, 'body.md'), campaignMarkdown);
  await writeRecipientsCsv(path.join(dir, 'recipients.csv'), count);
  return path.join(dir, 'campaign.yaml');
}

export function mib(bytes) {
  return bytes === undefined ? undefined : bytes / (1024 * 1024);
}

/** Megabytes (10^6 bytes), the unit of the targets. */
export function mb(bytes) {
  return bytes === undefined ? undefined : bytes / 1e6;
}
