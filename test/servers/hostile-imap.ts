/**
 * An IMAP server written to hurt, in a process of its own (raw sockets), for `bounces check` and `accounts test`:
 *
 *   node --import ./test/servers/ts-loader.mjs test/servers/hostile-imap.ts OPTIONS_JSON
 *
 * It refuses every sign-in (LOGIN, AUTHENTICATE) by quoting what the client sent for it; with
 * `trickle: {intervalMs}` it answers the sign-in one byte every intervalMs instead. Over IPC it sends
 * {"port": N} once it listens and {"seen": COMMAND} for each command it reads.
 */
import type net from 'node:net';
import { listenOverIpc, onLines, trickle } from './raw-lines.js';

interface HostileImapOptions {
  trickle?: { intervalMs: number };
}

const options = JSON.parse(process.argv[2] ?? '{}') as HostileImapOptions;
if (!process.send) throw new Error('usage: a child process with IPC');
const send = process.send.bind(process);

function session(socket: net.Socket): void {
  let authenticating: { tag: string; lines: string[] } | undefined;
  const refuse = (tag: string, said: string[]) => {
    const bytes = `${tag} NO [AUTHENTICATIONFAILED] refused: "${said.join('" "')}"\r\n`;
    if (!options.trickle) return void socket.write(bytes);
    trickle(socket, bytes, options.trickle.intervalMs);
  };
  const answer = (line: string) => {
    if (authenticating) {
      authenticating.lines.push(line);
      const { tag, lines } = authenticating;
      authenticating = undefined;
      return refuse(tag, lines);
    }
    const [tag = '*', command = ''] = line.split(' ');
    const verb = command.toUpperCase();
    send({ seen: verb });
    if (verb === 'CAPABILITY') return void socket.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`);
    if (verb === 'LOGIN') return refuse(tag, [line]);
    if (verb === 'AUTHENTICATE') {
      if (line.split(' ').length > 3) return refuse(tag, [line]);
      authenticating = { tag, lines: [line] };
      return void socket.write('+ \r\n');
    }
    if (verb === 'LOGOUT') return void socket.end(`* BYE\r\n${tag} OK bye\r\n`);
    socket.write(`${tag} OK done\r\n`);
  };
  onLines(socket, answer);
  socket.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hostile ready\r\n');
}

listenOverIpc(session, send);
