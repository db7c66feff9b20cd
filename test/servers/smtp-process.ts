/**
 * The test SMTP server (./smtp.ts) in a process of its own, for tests that kill the sender and must
 * know exactly what the server accepted:
 *
 *   node --import ./test/servers/ts-loader.mjs test/servers/smtp-process.ts LOG_FILE [OPTIONS_JSON]
 *
 * Each accepted message is appended to LOG_FILE as one JSON line, {"to": …, "messageId": …}, before the
 * server answers 250. OPTIONS_JSON may set `delayMs` (before each 250) and `storeThenDrop: {rate, seed}`:
 * that share of messages, drawn from the seed, is stored and logged and then the connection is cut
 * instead of answering (a reply lost after the message was handed over). Over the IPC channel the process
 * sends {"port": N} once it listens, and answers any message with {"connections": N}, the sessions open
 * at that moment. It exits when the parent goes.
 */
import { appendFileSync } from 'node:fs';
import { seededRandom } from '../helpers/random.js';
import { startSmtpServer, type ReplyHook } from './smtp.js';

interface ProcessOptions {
  delayMs?: number;
  storeThenDrop?: { rate: number; seed: number };
}

const logFile = process.argv[2];
if (!logFile || !process.send) throw new Error('usage: a child process with IPC, and the log file as its argument');
const options = JSON.parse(process.argv[3] ?? '{}') as ProcessOptions;
const send = process.send.bind(process);

function lossyReplies(rate: number, seed: number): ReplyHook {
  const random = seededRandom(seed);
  return (stage) => (stage === 'data' && random() < rate ? 'store-then-drop' : undefined);
}

const server = await startSmtpServer({
  delayMs: options.delayMs,
  replies: options.storeThenDrop && lossyReplies(options.storeThenDrop.rate, options.storeThenDrop.seed),
  onAccepted: (message) => appendFileSync(logFile, JSON.stringify({ to: message.to[0], messageId: message.messageId }) + '\n'),
});
process.on('message', () => send({ connections: server.currentConnections }));
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
send({ port: server.port });
