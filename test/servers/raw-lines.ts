/**
 * What the hostile raw-socket servers (hostile-imap.ts, hostile-smtp.ts) share: reading CRLF lines,
 * writing a reply one byte at a time, and listening in a child process that reports over IPC.
 */
import net from 'node:net';

/** Calls `answer` with each CRLF-ended line the client sends (latin1, without the CRLF). */
export function onLines(socket: net.Socket, answer: (line: string) => void): void {
  let buffered = '';
  socket.on('data', (chunk) => {
    buffered += chunk.toString('latin1');
    for (let end = buffered.indexOf('\r\n'); end >= 0; end = buffered.indexOf('\r\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      answer(line);
    }
  });
  socket.on('error', () => undefined);
}

/** Writes `bytes` one character every `intervalMs`, stopping when the socket is gone. */
export function trickle(socket: net.Socket, bytes: string, intervalMs: number): void {
  let at = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || at >= bytes.length) return clearInterval(timer);
    socket.write(bytes[at++]!);
  }, intervalMs);
}

/** Listens on a free local port, sends {"port": N} over IPC, and exits when the parent goes. */
export function listenOverIpc(session: (socket: net.Socket) => void, send: (message: unknown) => void): void {
  const server = net.createServer(session);
  server.listen(0, '127.0.0.1', () => send({ port: (server.address() as net.AddressInfo).port }));
  process.on('disconnect', () => process.exit(0));
}
