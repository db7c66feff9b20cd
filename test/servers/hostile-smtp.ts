/**
 * An SMTP server written to hurt, in a process of its own (raw sockets: it says what no library would):
 *
 *   node --import ./test/servers/ts-loader.mjs test/servers/hostile-smtp.ts OPTIONS_JSON
 *
 * OPTIONS_JSON: `mechanisms` it offers (default PLAIN LOGIN XOAUTH2); `echoAuth`: "refuse" answers AUTH by
 * quoting everything the client sent for it, "later" accepts AUTH and quotes it in every RCPT refusal;
 * `trickle: {after, intervalMs}` answers the command `after` (EHLO, AUTH) one byte every intervalMs;
 * `rcptReply` answers every RCPT TO with that text (escape sequences and all).
 * Over IPC it sends {"port": N} once it listens and {"seen": COMMAND} for each command it reads.
 */
import type net from 'node:net';
import { listenOverIpc, onLines, trickle } from './raw-lines.js';

interface HostileOptions {
  mechanisms?: string[];
  echoAuth?: 'refuse' | 'later';
  trickle?: { after: string; intervalMs: number };
  rcptReply?: string;
}

const options = JSON.parse(process.argv[2] ?? '{}') as HostileOptions;
if (!process.send) throw new Error('usage: a child process with IPC');
const send = process.send.bind(process);
const mechanisms = options.mechanisms ?? ['PLAIN', 'LOGIN', 'XOAUTH2'];

function session(socket: net.Socket): void {
  const authLines: string[] = [];
  let loginStep = 0;
  let lastVerb = '';
  const reply = (text: string) => {
    const bytes = `${text}\r\n`;
    if (!options.trickle || options.trickle.after !== lastVerb) return void socket.write(bytes);
    trickle(socket, bytes, options.trickle.intervalMs);
  };
  const answer = (line: string) => {
    if (loginStep > 0) {
      authLines.push(line);
      if (loginStep++ === 1) return reply('334 UGFzc3dvcmQ6');
      loginStep = 0;
      return authDone();
    }
    lastVerb = line.split(' ')[0]!.toUpperCase();
    send({ seen: lastVerb });
    if (lastVerb === 'EHLO') return reply(`250-hostile.test\r\n250-AUTH ${mechanisms.join(' ')}\r\n250 8BITMIME`);
    if (lastVerb === 'AUTH') {
      authLines.push(line);
      if (/^AUTH LOGIN$/i.test(line)) {
        loginStep = 1;
        return reply('334 VXNlcm5hbWU6');
      }
      return authDone();
    }
    if (lastVerb === 'MAIL') return reply('250 2.1.0 ok');
    if (lastVerb === 'RCPT' && options.rcptReply) return reply(options.rcptReply);
    if (lastVerb === 'RCPT') return reply(`550 5.1.1 refused; your session said: "${authLines.join('" "')}"`);
    if (lastVerb === 'QUIT') return void socket.end('221 bye\r\n');
    return reply('250 ok');
  };
  const authDone = () =>
    options.echoAuth === 'refuse' ? reply(`500 5.5.1 Command unrecognized: "${authLines.join('" "')}"`) : reply('235 2.7.0 ok');
  onLines(socket, answer);
  socket.write('220 hostile.test ESMTP\r\n');
}

listenOverIpc(session, send);
