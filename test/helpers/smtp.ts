/** Helpers for tests that link an SMTP account to a test server (test/servers/smtp.ts) and send through it. */
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { startSmtpServer, type SmtpServerOptions, type SmtpTestServer } from '../servers/smtp.js';
import { runCli, tempDir, type CliResult } from './cli.js';

export type Env = Record<string, string | undefined>;

/** A private config dir with the owner-only secret file (no keychain), as CI without a Secret Service has. */
export async function fileSecretsEnv(): Promise<Env & { MAILSHOT_CONFIG_DIR: string }> {
  return { MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-'), MAILSHOT_SECRET_STORE: 'file' };
}

/**
 * `accounts add smtp NAME` pointing at the test server; `password` goes in on stdin.
 * Fails the test when the account cannot be added: every test below needs it.
 */
export async function addAccount(
  env: Env,
  name: string,
  server: Pick<SmtpTestServer, 'host' | 'port'>,
  options: { security?: 'tls' | 'starttls' | 'none'; user?: string; password?: string; args?: string[] } = {},
): Promise<CliResult> {
  const args = [
    'accounts',
    'add',
    'smtp',
    name,
    '--host',
    server.host,
    '--port',
    String(server.port),
    '--security',
    options.security ?? 'none',
  ];
  if (options.user) args.push('--user', options.user);
  if (options.password !== undefined) args.push('--password-stdin');
  const result = await runCli([...args, ...(options.args ?? [])], {
    env,
    input: options.password === undefined ? '' : `${options.password}\n`,
  });
  if (result.code !== 0) throw new Error(`accounts add ${name} failed (${result.code}): ${result.stderr}`);
  return result;
}

/** How many accepted messages the server holds per envelope recipient. */
export function receivedCounts(server: SmtpTestServer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of server.received) {
    for (const to of message.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}

/** A TCP port on 127.0.0.1 where nothing listens (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Writes a test server's self-signed certificate to a PEM file, for NODE_EXTRA_CA_CERTS. */
export async function certificateFile(server: Pick<SmtpTestServer, 'certificate'>): Promise<string> {
  const file = path.join(await tempDir('mailshot-ca-'), 'test-ca.pem');
  await writeFile(file, server.certificate);
  return file;
}

/** Polls until `check()` holds or `ms` pass; returns the last result. */
export async function until(check: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
  return check();
}

/** Returns a starter of test SMTP servers; every server it started is closed after each test. */
export function smtpServersPerTest(): (options?: SmtpServerOptions) => Promise<SmtpTestServer> {
  const servers: SmtpTestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (options = {}) => {
    const server = await startSmtpServer(options);
    servers.push(server);
    return server;
  };
}
