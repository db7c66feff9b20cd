/**
 * A local SMTP sink for the benchmarks, meant to run in its own process (the bench driver forks it):
 * an `smtp-server` on 127.0.0.1 that accepts every message, discards it and counts it. No auth, no TLS,
 * no reverse lookup.
 *
 * With `--rate R` it also behaves like a server with a sending limit (Postfix anvil style): at most R
 * MAIL FROM per window (`--window-ms`, default 1000; `--mode sliding|fixed`, default sliding); the
 * excess gets `450 4.7.1 Error: too much mail from <ip>` and the session stays open.
 *
 * Talks to its parent over IPC: sends `{ type: 'ready', port }`; answers `{ cmd: 'stats' }` with
 * `{ type: 'stats', ... }`, `{ cmd: 'reset' }` with `{ type: 'reset' }`; exits on `{ cmd: 'exit' }`
 * or when the parent goes away. `--times` keeps each accept/reject time (for the rate case).
 *
 *   node bench/smtp-sink.js [--port 0] [--rate 20 --window-ms 1000 --mode sliding] [--times]
 */
import { SMTPServer } from 'smtp-server';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    rate: { type: 'string' },
    'window-ms': { type: 'string', default: '1000' },
    mode: { type: 'string', default: 'sliding' },
    times: { type: 'boolean', default: false },
  },
});
const rate = args.rate ? Number(args.rate) : undefined;
const windowMs = Number(args['window-ms']);
const fixedWindow = args.mode === 'fixed';
const keepTimes = args.times;

let stats;
function reset() {
  stats = {
    accepted: 0,
    rejected: 0,
    bytes: 0,
    connections: 0,
    peakConnections: 0,
    firstMailAt: undefined,
    firstAcceptAt: undefined,
    lastAcceptAt: undefined,
    /** With --times: when each MAIL FROM was let through, and when each was refused for the rate. */
    admitTimes: [],
    rejectTimes: [],
  };
}
reset();
let open = 0;
/** MAIL FROM times inside the sliding window (a ring would do; the window holds at most `rate` entries). */
const mailTimes = [];
let fixedStart = 0;
let fixedCount = 0;

function overRate(now) {
  if (rate === undefined) return false;
  if (fixedWindow) {
    if (now - fixedStart >= windowMs) {
      fixedStart = now - ((now - fixedStart) % windowMs);
      fixedCount = 0;
    }
    if (fixedCount >= rate) return true;
    fixedCount++;
    return false;
  }
  while (mailTimes.length && mailTimes[0] <= now - windowMs) mailTimes.shift();
  if (mailTimes.length >= rate) return true;
  mailTimes.push(now);
  return false;
}

function replyError(code, message) {
  const error = new Error(message);
  error.responseCode = code;
  return error;
}

const server = new SMTPServer({
  name: 'sink.test',
  logger: false,
  disableReverseLookup: true,
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  hideENHANCEDSTATUSCODES: true,
  size: 0,
  closeTimeout: 200,
  onConnect(session, callback) {
    stats.connections++;
    open++;
    stats.peakConnections = Math.max(stats.peakConnections, open);
    callback();
  },
  onClose() {
    open--;
  },
  onMailFrom(address, session, callback) {
    const now = Date.now();
    stats.firstMailAt ??= now;
    if (overRate(now)) {
      stats.rejected++;
      if (keepTimes) stats.rejectTimes.push(now);
      return callback(replyError(450, `4.7.1 Error: too much mail from ${session.remoteAddress}`));
    }
    if (keepTimes) stats.admitTimes.push(now);
    callback();
  },
  onData(stream, session, callback) {
    let bytes = 0;
    stream.on('data', (chunk) => (bytes += chunk.length));
    stream.on('end', () => {
      const now = Date.now();
      stats.accepted++;
      stats.bytes += bytes;
      stats.firstAcceptAt ??= now;
      stats.lastAcceptAt = now;
      callback(null, `2.0.0 Ok: queued as S${stats.accepted}`);
    });
  },
});
server.on('error', () => {
  // resets from clients closing pools are expected
});

server.listen(Number(args.port), '127.0.0.1', () => {
  const { port } = server.server.address();
  if (process.send) process.send({ type: 'ready', port });
  else process.stdout.write(`smtp-sink listening on 127.0.0.1:${port}\n`);
});

process.on('message', (message) => {
  if (message?.cmd === 'stats') {
    process.send({ type: 'stats', ...stats, open, cpu: process.cpuUsage() });
  } else if (message?.cmd === 'reset') {
    reset();
    mailTimes.length = 0;
    fixedCount = 0;
    process.send({ type: 'reset' });
  } else if (message?.cmd === 'exit') {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  }
});
process.on('disconnect', () => process.exit(0));
