/**
 * The test SMTP server (./smtp.ts) in a process of its own, for tests that kill the sender and must
 * know exactly what the server accepted:
 *
 *   node --import ./test/servers/ts-loader.mjs test/servers/smtp-process.ts LOG_FILE
 *
 * Each accepted message is appended to LOG_FILE as one JSON line, {"to": …, "messageId": …}, before the
 * server answers 250. Over the IPC channel the process sends {"port": N} once it listens, and answers
 * any message with {"connections": N}, the sessions open at that moment. It exits when the parent goes.
 */
import { appendFileSync } from 'node:fs';
import { startSmtpServer } from './smtp.js';

const logFile = process.argv[2];
if (!logFile || !process.send) throw new Error('usage: a child process with IPC, and the log file as its argument');
const send = process.send.bind(process);

const server = await startSmtpServer({
  onAccepted: (message) => appendFileSync(logFile, JSON.stringify({ to: message.to[0], messageId: message.messageId }) + '\n'),
});
process.on('message', () => send({ connections: server.currentConnections }));
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
send({ port: server.port });
