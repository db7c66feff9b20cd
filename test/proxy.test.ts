/** Microsoft sign-in (MSAL) and Graph go through the proxy named by HTTPS_PROXY, and not for hosts in NO_PROXY. */
import http from 'node:http';
import net from 'node:net';
import { recipientsCsv, runCli, writeCampaign } from './helpers/cli.js';
import { startGraphServer, testClientId, type GraphTestServer } from './servers/graph.js';
import { graphEnv } from './helpers/graph.js';

/** A CONNECT proxy on 127.0.0.1 that counts the tunnels it opened, by target. */
async function startProxy(): Promise<{ url: string; tunnels: string[]; close: () => Promise<void> }> {
  const tunnels: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_request, response) => response.writeHead(405).end());
  server.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(request.url!);
    const [host, port] = request.url!.split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined).on('close', () => sockets.delete(socket));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let graph: GraphTestServer;
afterEach(async () => graph?.close());

test('HTTPS_PROXY: sign-in and sending through Graph both tunnel through the proxy; NO_PROXY bypasses it', async () => {
  graph = await startGraphServer();
  const proxy = await startProxy();
  try {
    const env = {
      ...(await graphEnv(graph)),
      HTTPS_PROXY: proxy.url,
      NO_PROXY: '',
    };
    const linked = await runCli(
      ['accounts', 'add', 'microsoft', 'office', '--client-id', testClientId, '--device-code', '--rate', '50/s'],
      { env },
    );
    expect(linked.code).toBe(0);
    const afterSignIn = proxy.tunnels.length;
    expect(afterSignIn).toBeGreaterThan(0);
    const campaign = await writeCampaign({ csv: recipientsCsv(3), fields: { via: 'office', from: `Megan <${graph.address}>` } });
    const sent = await runCli(['campaign', 'send', campaign.file], { env });
    expect(sent.code).toBe(0);
    expect(graph.received).toHaveLength(3);
    expect(proxy.tunnels.length).toBeGreaterThan(afterSignIn);
    const host = new URL(graph.graphUrl).host;
    expect(proxy.tunnels.every((target) => target === host || target === new URL(graph.authority).host)).toBe(true);

    const before = proxy.tunnels.length;
    const bypass = await runCli(
      [
        'campaign',
        'send',
        (await writeCampaign({ csv: recipientsCsv(2), fields: { via: 'office', from: `Megan <${graph.address}>` } })).file,
      ],
      {
        env: { ...env, NO_PROXY: '127.0.0.1' },
      },
    );
    expect(bypass.code).toBe(0);
    expect(proxy.tunnels.length).toBe(before);
  } finally {
    await proxy.close();
  }
});
