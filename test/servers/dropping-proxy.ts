/**
 * A TCP proxy on 127.0.0.1 that cuts connections: each of the first `drops` connections is destroyed once
 * the server has sent `afterBytes` bytes through it (a mailbox server going away mid-fetch); later ones pass.
 */
import net from 'node:net';

export interface DroppingProxy {
  port: number;
  /** Connections cut so far. */
  readonly dropped: number;
  close(): Promise<void>;
}

export async function startDroppingProxy(
  target: { host: string; port: number },
  options: { afterBytes: number; drops: number },
): Promise<DroppingProxy> {
  let dropped = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const cut = dropped < options.drops;
    let sent = 0;
    upstream.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      if (cut && sent > options.afterBytes) {
        dropped++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get dropped() {
      return dropped;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
