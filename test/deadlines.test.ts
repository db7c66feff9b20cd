/**
 * A server that trickles its replies (one byte every 20 s never looks idle) cannot keep a run signing in:
 * each reply has its deadline, sign-in as a whole has one, and SIGTERM ends the run at once, freeing the lock.
 */
import { collect, runCli, startCli, writeCampaign } from './helpers/cli.js';
import { hostileServersPerTest, type HostileServer } from './helpers/hostile-smtp.js';
import { addAccount, fileSecretsEnv } from './helpers/smtp.js';
import { SmtpTransport } from '../src/transports/smtp.js';
import { smtpDeadlines } from '../src/transports/smtp-deadlines.js';
import { DeliveryError } from '../src/transports/transport.js';

const hostileServer = hostileServersPerTest();
const hostileImap = hostileServersPerTest('hostile-imap.ts');
const trickle = (after: string) => ({ trickle: { after, intervalMs: 20_000 } });

async function campaignThrough(server: HostileServer) {
  const env = { ...(await fileSecretsEnv()), MAILSHOT_TEST_PASSWORD: 'secret-password' };
  await addAccount(env, 'slow', server, { user: 'me@example.com', args: ['--password-env', 'MAILSHOT_TEST_PASSWORD'] });
  const campaign = await writeCampaign({ fields: { from: 'me@example.com' } });
  return { env, args: ['campaign', 'send', campaign.file, '--via', 'slow', '--yes'] };
}

describe('each reply has a deadline', () => {
  const transport = (server: HostileServer) =>
    new SmtpTransport(
      { name: 'slow', host: server.host, port: server.port, security: 'none', user: 'me', insecureTls: false },
      'secret-password',
      { maxConnections: 1 },
      undefined,
      { ...smtpDeadlines, command: 2_000 },
    );

  test.each(['EHLO', 'AUTH'])('a %s reply trickled byte by byte fails the sign-in as a transient timeout naming it', async (command) => {
    const server = await hostileServer({ mechanisms: ['PLAIN'], ...trickle(command) });
    const failure = await transport(server)
      .verify()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DeliveryError);
    expect((failure as DeliveryError).kind).toBe('transient');
    expect((failure as DeliveryError).message).toContain(`did not complete its reply to ${command} within 2 s`);
  });
});

test('sign-in as a whole has a deadline: the run gives up with exit 75 and frees the lock', async () => {
  const server = await hostileServer({ mechanisms: ['PLAIN'], ...trickle('EHLO') });
  const { env, args } = await campaignThrough(server);
  const started = Date.now();
  const result = await runCli(args, { env: { ...env, MAILSHOT_SIGN_IN_DEADLINE_MS: '1500' } });
  expect(result.code).toBe(75);
  expect(result.stderr).toContain('account "slow": signing in did not finish within 2 s; nothing was sent');
  // Well before the server's first byte of the reply would even have completed a line.
  expect(Date.now() - started).toBeLessThan(20_000);
  const again = await runCli(args, { env: { ...env, MAILSHOT_SIGN_IN_DEADLINE_MS: '1500' } });
  expect(again.stderr).not.toMatch(/lock/i);
  expect(again.code).toBe(75);
});

test('SIGTERM while signing in ends the run within 5 s, frees the lock and says nothing was sent', async () => {
  const server = await hostileServer({ mechanisms: ['PLAIN'], ...trickle('EHLO') });
  const { env, args } = await campaignThrough(server);
  const child = startCli(args, { env });
  const done = collect(child);
  await server.seen('EHLO');
  const signalled = Date.now();
  child.kill('SIGTERM');
  const result = await done;
  expect(Date.now() - signalled).toBeLessThan(5_000);
  expect(result.code).toBe(75);
  expect(result.stderr).toContain('interrupted while signing in to account "slow"; nothing was sent');
  const again = await runCli(args, { env: { ...env, MAILSHOT_SIGN_IN_DEADLINE_MS: '1500' } });
  expect(again.stderr).not.toMatch(/lock/i);
});

test('`campaign test` against a trickling server ends at the sign-in deadline (exit 75), nothing sent', async () => {
  const server = await hostileServer({ mechanisms: ['PLAIN'], ...trickle('EHLO') });
  const { env, args } = await campaignThrough(server);
  const file = args[2]!;
  const tested = await runCli(['campaign', 'test', file, '--to', 'me@example.com', '--via', 'slow'], {
    env: { ...env, MAILSHOT_SIGN_IN_DEADLINE_MS: '1500' },
  });
  expect(tested.code).toBe(75);
  expect(tested.stderr).toContain('account "slow": signing in did not finish within 2 s; nothing was sent');
});

test('`accounts test` against a trickling server ends at the sign-in deadline, naming it', async () => {
  const server = await hostileServer({ mechanisms: ['PLAIN'], ...trickle('AUTH') });
  const { env } = await campaignThrough(server);
  const result = await runCli(['accounts', 'test', 'slow'], { env: { ...env, MAILSHOT_SIGN_IN_DEADLINE_MS: '1000' } });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('signing in did not finish within 1 s');
});

test('an IMAP server trickling its answer to the sign-in: `bounces check` gives up at the deadline (exit 75)', async () => {
  const [smtp, imap] = await Promise.all([hostileServer({ mechanisms: ['PLAIN'] }), hostileImap({ trickle: { intervalMs: 20_000 } })]);
  const env = { ...(await fileSecretsEnv()), MAILSHOT_TEST_PASSWORD: 'secret-password' };
  const imapArgs = ['--imap-host', imap.host, '--imap-port', String(imap.port), '--imap-security', 'none'];
  await addAccount(env, 'slow', smtp, { user: 'me@example.com', args: ['--password-env', 'MAILSHOT_TEST_PASSWORD', ...imapArgs] });
  const check = await runCli(['bounces', 'check', 'slow'], { env: { ...env, MAILSHOT_SIGN_IN_DEADLINE_MS: '1500' } });
  expect(check.code).toBe(75);
  expect(check.stderr).toContain(`IMAP ${imap.host}:${imap.port}: signing in did not finish within 2 s`);
});
