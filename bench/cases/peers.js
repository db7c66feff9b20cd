/**
 * Case 8 — against a peer: awdeorio/mailmerge (Python, one connection per message, one at a time) run
 * from its source beside mailshot, both sending the throughput case's Markdown campaign to Postfix's
 * `smtp-sink`. Two parts, each timed from spawn to exit:
 *  - loopback: 2,000 messages (BENCH_SCALE 0.25; 8,000 × scale), a sink that answers at once: mailshot
 *    (8 connections) ≥ 2.5× mailmerge;
 *  - a slow relay: `smtp-sink -w 1` answers each DATA after one second, 48 messages, mailshot with 8
 *    connections ≥ 7.5× mailmerge (the ideal is 8×).
 * Needs /usr/sbin/smtp-sink (Debian's postfix; no daemon), /usr/bin/python3 with python3-click, -jinja2,
 * -markdown and -html5lib, and mailmerge's source in BENCH_MAILMERGE_DIR (a checkout of
 * github.com/awdeorio/mailmerge: the folder holding mailmerge/__main__.py). Without them the case is
 * skipped with a notice.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { addSmtpAccount, campaignMarkdown, campaignSubject, expectExit, median, round, runMailshot, sleep, writeCampaign } from '../lib.js';

export const id = 'peers';

const smtpSink = '/usr/sbin/smtp-sink';
const python = '/usr/bin/python3';

/** Why the case cannot run here, or undefined. */
function missing() {
  const dir = process.env.BENCH_MAILMERGE_DIR;
  if (!dir || !existsSync(path.join(dir, 'mailmerge', '__main__.py')))
    return 'set BENCH_MAILMERGE_DIR to a checkout of github.com/awdeorio/mailmerge';
  if (!existsSync(smtpSink)) return `${smtpSink} not found (apt-get install postfix)`;
  try {
    execFileSync(python, ['-c', 'import click, jinja2, markdown, html5lib'], { stdio: 'ignore' });
  } catch {
    return `${python} lacks click, jinja2, markdown or html5lib (apt-get install python3-click python3-jinja2 python3-markdown python3-html5lib)`;
  }
  return undefined;
}

export async function run({ root, scale, rounds, log }) {
  const why = missing();
  if (why) {
    log(`  skipped: ${why}`);
    return { id, title: 'against awdeorio/mailmerge', line: `skipped: ${why}`, met: undefined, skipped: true, figures: { skipped: why } };
  }
  const configDir = path.join(root, 'config');
  const loopbackCount = Math.max(100, Math.round(8_000 * scale));
  const loopback = await compare({ root, configDir, count: loopbackCount, sinkArgs: [], connections: 8, rounds, log, label: 'loopback' });
  const slow = await compare({
    root,
    configDir,
    count: 48,
    sinkArgs: ['-w', '1'],
    connections: 8,
    rounds,
    log,
    label: 'smtp-sink -w 1',
  });
  const met = { loopback: loopback.ratio >= 2.5, slowRelay: slow.ratio >= 7.5 };
  return {
    id,
    title: 'against awdeorio/mailmerge',
    line:
      `loopback ${loopbackCount}: mailshot ${loopback.mailshot.toFixed(2)} s vs mailmerge ${loopback.mailmerge.toFixed(2)} s = ${loopback.ratio.toFixed(2)}× (≥ 2.5×); ` +
      `smtp-sink -w 1, 48 messages: ${slow.mailshot.toFixed(1)} s vs ${slow.mailmerge.toFixed(1)} s = ${slow.ratio.toFixed(2)}× (≥ 7.5×, ideal 8×)`,
    met: met.loopback && met.slowRelay,
    figures: { loopback: { count: loopbackCount, ...loopback }, slowRelay: { count: 48, ...slow }, met },
  };
}

/** Both tools against one smtp-sink, alternating which goes first; medians of wall seconds. */
async function compare({ root, configDir, count, sinkArgs, connections, rounds, log, label }) {
  const port = await freePort();
  const sink = startSmtpSink(port, sinkArgs);
  try {
    await waitForPort(port);
    const account = `sink${port}`;
    await addSmtpAccount(configDir, account, port, ['--max-concurrent', String(connections)]);
    const dir = path.join(root, `peers-${port}`);
    const file = await writeCampaign(dir, count);
    await writeMailmergeFiles(dir, port);
    const samples = { mailshot: [], mailmerge: [] };
    for (let index = 0; index < rounds; index++) {
      for (const side of index % 2 ? ['mailmerge', 'mailshot'] : ['mailshot', 'mailmerge']) {
        const seconds = side === 'mailshot' ? await runMailshotOnce(file, account, configDir, root) : await runMailmerge(dir, count);
        samples[side].push(seconds);
        log(`  ${label} round ${index + 1}/${rounds} ${side.padEnd(9)} ${seconds.toFixed(2)} s`);
      }
    }
    const mailshot = median(samples.mailshot);
    const mailmerge = median(samples.mailmerge);
    return { mailshot: round(mailshot, 3), mailmerge: round(mailmerge, 3), ratio: round(mailmerge / mailshot, 2), samples };
  } finally {
    sink.kill('SIGTERM');
    await once(sink, 'exit').catch(() => undefined);
  }
}

let stateCounter = 0;

async function runMailshotOnce(file, account, configDir, root) {
  const state = path.join(root, `peers-state-${++stateCounter}`);
  const result = await runMailshot(['campaign', 'send', file, '--via', account, '--state', state], { configDir, keepStdout: false });
  expectExit(result, 0, 'mailshot campaign send');
  return result.wallMs / 1000;
}

async function runMailmerge(dir, count) {
  // As its installed `mailmerge` command does (python -m would call main() before the module is fully defined).
  const args = [
    '-c',
    'from mailmerge.__main__ import main; main()',
    '--no-dry-run',
    '--no-limit',
    '--output-format',
    'raw',
    '--template',
    'mailmerge_template.txt',
    '--database',
    'recipients.csv',
    '--config',
    'mailmerge_server.conf',
  ];
  const started = performance.now();
  const child = spawn(python, args, {
    cwd: dir,
    env: { ...process.env, PYTHONPATH: process.env.BENCH_MAILMERGE_DIR },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let sent = 0;
  let tail = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text) => {
    const lines = (tail + text).split('\n');
    tail = lines.pop();
    sent += lines.filter((line) => /^>>> message \d+ sent$/.test(line)).length;
  });
  child.stderr.setEncoding('utf8').on('data', (text) => (stderr = (stderr + text).slice(-2000)));
  const [code] = await once(child, 'exit');
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0 || sent !== count) throw new Error(`mailmerge: exit ${code}, ${sent} of ${count} sent\n${stderr}`);
  return seconds;
}

/** The same message for mailmerge: its template format (headers, then a Markdown body with the same merge tags). */
async function writeMailmergeFiles(dir, port) {
  const template = [
    `TO: {{email}}`,
    `SUBJECT: ${campaignSubject}`,
    'FROM: Sender <sender@example.com>',
    'CONTENT-TYPE: text/markdown',
    '',
    campaignMarkdown,
  ].join('\n');
  await writeFile(path.join(dir, 'mailmerge_template.txt'), template);
  await writeFile(path.join(dir, 'mailmerge_server.conf'), `[smtp_server]\nhost = 127.0.0.1\nport = ${port}\n`);
}

function startSmtpSink(port, args) {
  const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const child = spawn(smtpSink, [...asRoot, ...args, `127.0.0.1:${port}`, '256'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return child;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`smtp-sink did not listen on ${port}`);
}
