/**
 * Case 9 — a real Postfix's own limits (issue 23). A private Postfix instance (its own config, queue and
 * log in the temp folder, listening on a free port of 127.0.0.1, delivering to `discard`) whose anvil
 * throttles localhost: 2 connections at once, 30 messages per 15 s. mailshot is configured far above it
 * (`--max-concurrent 8`, no rate) and sends 150 messages. Anvil counts in fixed 15 s units from the first
 * message, so the floor is 60 s (30 at once, then 30 at the start of each next unit). Targets: ≥ 0.85 of
 * the allowed throughput (floor / time taken), ≤ 20 refusals, every message accepted exactly once.
 * Needs root and Postfix (`apt-get install postfix`); skipped without them. The system's Postfix is untouched.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { addSmtpAccount, round, runMailshot, sleep, writeCampaign } from '../lib.js';

export const id = 'postfix';
const title = "a real Postfix's anvil limits (2 at once, 30 per 15 s)";
const perUnit = 30;
const unitSeconds = 15;

export async function run({ root, log, postfixCount = Number(process.env.BENCH_POSTFIX_COUNT || 150) }) {
  const why = missing();
  if (why) {
    log(`  skipped: ${why}`);
    return { id, title, line: `skipped: ${why}`, met: undefined, skipped: true, figures: { skipped: why } };
  }
  const dir = path.join(root, 'postfix');
  const postfix = await startPostfix();
  try {
    const configDir = path.join(dir, 'config');
    await addSmtpAccount(configDir, 'postfix', postfix.port, ['--max-concurrent', '8']);
    const file = await writeCampaign(path.join(dir, 'campaign'), postfixCount);
    const state = path.join(dir, 'state');
    const limits = [];
    const result = await runMailshot(['campaign', 'send', file, '--via', 'postfix', '--state', state, '--json'], {
      configDir,
      keepStdout: false,
      timeoutMs: 600_000,
      onLine: (stream, line) => {
        if (stream === 'stdout' && line.startsWith('{"type":"limits"')) limits.push(JSON.parse(line));
      },
    });
    for (const event of limits) log(`  limits: concurrency ${event.concurrency}, rate ${event.rate ?? '-'}: ${event.why}`);
    const journal = (await readFile(path.join(state, 'journal.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    return outcome({ postfixCount, result, limits, journal, server: await postfix.counts() });
  } finally {
    await postfix.stop();
  }
}

function outcome({ postfixCount, result, limits, journal, server }) {
  const attempts = journal.filter((event) => event.ev === 'attempt').map((event) => event.at);
  const sent = journal.filter((event) => event.ev === 'sent').map((event) => event.at);
  const seconds = (Math.max(...sent) - Math.min(...attempts)) / 1000;
  const floorSeconds = (Math.ceil(postfixCount / perUnit) - 1) * unitSeconds;
  const efficiency = floorSeconds / seconds;
  const met = {
    throughput: efficiency >= 0.85,
    refusals: server.refusals <= 20,
    completed: result.code === 0 && server.accepted === postfixCount,
  };
  const figures = {
    recipients: postfixCount,
    exitCode: result.code,
    seconds: round(seconds, 1),
    floorSeconds,
    efficiency: round(efficiency, 3),
    acceptedByPostfix: server.accepted,
    refusals: server.refusals,
    refusedConnections: server.refusedConnections,
    refusedMessages: server.refusedMessages,
    limitChanges: limits.length,
    met,
  };
  const line =
    `${server.accepted}/${postfixCount} accepted in ${figures.seconds} s where ${floorSeconds} s is the floor: ${figures.efficiency} of the allowed ` +
    `throughput (target ≥ 0.85); ${server.refusals} refusals (${server.refusedConnections} connections, ${server.refusedMessages} messages; ` +
    `target ≤ 20)${result.code === 0 ? '' : `, exit ${result.code}`}`;
  return { id, title, line, met: met.throughput && met.refusals && met.completed, figures };
}

function missing() {
  if (process.getuid?.() !== 0) return 'needs root (a private Postfix instance)';
  if (!existsSync('/usr/sbin/postfix')) return 'Postfix is not installed (apt-get install postfix)';
  return undefined;
}

/**
 * A Postfix of our own: `postfix -c DIR start-fg` in its own process group, stopped (and its group killed) at
 * the end. Its folder is one the postfix user can reach (the bench's temp folder is the owner's only).
 */
async function startPostfix() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailshot-postfix-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const etc = path.join(dir, 'etc');
  const data = path.join(dir, 'data');
  await Promise.all([etc, data, path.join(dir, 'spool')].map((folder) => mkdir(folder, { recursive: true })));
  const postfixUid = Number(execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).trim());
  await chown(data, postfixUid, 0);
  const maillog = path.join(dir, 'maillog');
  await writeFile(path.join(etc, 'main.cf'), mainCf(dir, maillog));
  const master = await readFile('/etc/postfix/master.cf', 'utf8');
  await writeFile(path.join(etc, 'master.cf'), master.replace(/^smtp\s+inet\s.*$/m, `127.0.0.1:${port} inet n - n - - smtpd`));
  const child = spawn('/usr/sbin/postfix', ['-c', etc, 'start-fg'], { stdio: 'ignore', detached: true });
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`postfix -c ${etc} start-fg exited ${child.exitCode}; see ${maillog}`);
    await sleep(100);
  }
  return {
    port,
    counts: async () => countLog(await readFile(maillog, 'utf8').catch(() => '')),
    stop: async () => {
      try {
        execFileSync('/usr/sbin/postfix', ['-c', etc, 'stop'], { stdio: 'ignore' });
      } catch {
        // already gone
      }
      await Promise.race([once(child, 'exit'), sleep(5000)]);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone
      }
      if (process.env.BENCH_KEEP !== '1') await rm(dir, { recursive: true, force: true });
    },
  };
}

function mainCf(dir, maillog) {
  return [
    'compatibility_level = 3.6',
    `queue_directory = ${dir}/spool`,
    `data_directory = ${dir}/data`,
    `maillog_file = ${maillog}`,
    `maillog_file_prefixes = ${dir}`,
    'syslog_name = postfix-bench',
    'inet_interfaces = 127.0.0.1',
    'inet_protocols = ipv4',
    'myhostname = bench.localdomain',
    'mydestination =',
    'mynetworks = 127.0.0.0/8',
    'default_transport = discard',
    'relay_transport = discard',
    'smtpd_tls_security_level = none',
    // anvil throttles localhost too (its exceptions default to $mynetworks)
    'smtpd_client_event_limit_exceptions =',
    'smtpd_client_connection_count_limit = 2',
    `smtpd_client_message_rate_limit = ${perUnit}`,
    `anvil_rate_time_unit = ${unitSeconds}s`,
    '',
  ].join('\n');
}

/** What Postfix logged: messages it took, and its anvil refusals (each one answered to mailshot). */
function countLog(text) {
  const count = (pattern) => text.split('\n').filter((line) => pattern.test(line)).length;
  const refusedConnections = count(/Connection concurrency limit exceeded/);
  const refusedMessages = count(/Message delivery request rate limit exceeded/);
  return {
    accepted: count(/postfix-bench\/smtpd\[\d+\]: [0-9A-F]+: client=/),
    refusedConnections,
    refusedMessages,
    refusals: refusedConnections + refusedMessages,
  };
}

function freePort() {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('data', () => {
      socket.end('QUIT\r\n');
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
