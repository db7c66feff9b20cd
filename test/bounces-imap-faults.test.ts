/**
 * `bounces check` over IMAP when things go wrong: the server dropping the connection mid-fetch (once, and
 * every time), a mailbox of thousands of messages, a second check while one runs, a wrong IMAP password,
 * `accounts test` checking IMAP. Real Dovecot, the CLI as a process.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { recipientsCsv, runCli, writeCampaign } from './helpers/cli.js';
import { bounceFixture } from './helpers/bounces.js';
import { addAccount, fileSecretsEnv, type Env } from './helpers/smtp.js';
import { startDroppingProxy } from './servers/dropping-proxy.js';
import { describeWithDovecot, startDovecot, type DovecotServer } from './servers/dovecot.js';
import { startSmtpServer, type SmtpTestServer } from './servers/smtp.js';

const user = 'sender@example.com';
const password = 'imap-S3cret-77';
const sender = 'sender@example.com';

interface World {
  smtp: SmtpTestServer;
  imap: DovecotServer;
  env: Env & { MAILSHOT_CONFIG_DIR: string };
  messageIdOf: (to: string) => string;
}

/** An account whose IMAP goes to `imapPort` (default Dovecot itself), and a campaign of `count` sent through it. */
async function world(count: number, imapPort?: (imap: DovecotServer) => Promise<number>): Promise<World> {
  const [smtp, imap] = await Promise.all([startSmtpServer({ auth: { user, pass: password } }), startDovecot({ user, password })]);
  const env = await fileSecretsEnv();
  const port = imapPort ? await imapPort(imap) : imap.port;
  await addAccount(env, 'smtp1', smtp, {
    user,
    password,
    args: ['--imap-host', '127.0.0.1', '--imap-port', String(port), '--imap-security', 'none'],
  });
  const campaign = await writeCampaign({ csv: recipientsCsv(count), fields: { from: `Sender <${sender}>` } });
  const sent = await runCli(['campaign', 'send', campaign.file, '--via', 'smtp1', '--max-concurrent', '8'], { env });
  if (sent.code !== 0) {
    await Promise.all([smtp.close(), imap.close()]);
    throw new Error(sent.stderr);
  }
  const ids = new Map(smtp.received.map((message) => [message.to[0], message.messageId!]));
  return { smtp, imap, env, messageIdOf: (to) => ids.get(to)! };
}

async function hardBounces(w: World, count: number): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: count }, (_, index) =>
      bounceFixture('postfix-dsn-hard.eml', {
        recipient: `r${index}@example.com`,
        messageId: w.messageIdOf(`r${index}@example.com`),
        sender,
      }),
    ),
  );
}

async function check(w: World, ...extra: string[]) {
  const result = await runCli(['bounces', 'check', 'smtp1', '--json', ...extra], { env: w.env });
  return { ...result, json: result.stdout ? JSON.parse(result.stdout) : undefined };
}

describeWithDovecot('bounces check: faults and size', () => {
  test('the server drops the connection mid-fetch twice: reading resumes after the last message handled; each counted once', async () => {
    let proxy: Awaited<ReturnType<typeof startDroppingProxy>> | undefined;
    const w = await world(60, async (imap) => (proxy = await startDroppingProxy(imap, { afterBytes: 40_000, drops: 2 })).port);
    try {
      await w.imap.deliver(await hardBounces(w, 60));
      const result = await check(w);
      expect(result.code).toBe(0);
      expect(proxy!.dropped).toBe(2);
      expect(result.json).toMatchObject({ messages: 60, counts: { bounced: 60, unmatched: 0, malformed: 0 } });
      expect(result.json.suppressed).toHaveLength(60);
      expect((await check(w)).json.messages).toBe(0);
    } finally {
      await proxy?.close();
      await Promise.all([w.smtp.close(), w.imap.close()]);
    }
  });

  test('a server that drops every connection after 30 KB: each new connection continues after the last message handled, until all are read', async () => {
    let proxy: Awaited<ReturnType<typeof startDroppingProxy>> | undefined;
    const w = await world(40, async (imap) => (proxy = await startDroppingProxy(imap, { afterBytes: 30_000, drops: 1000 })).port);
    try {
      await w.imap.deliver(await hardBounces(w, 40));
      const result = await check(w);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(proxy!.dropped).toBeGreaterThan(3); // more drops than it tolerates without progress: it progressed each time
      expect(result.json).toMatchObject({ messages: 40, counts: { bounced: 40 } });
    } finally {
      await proxy?.close();
      await Promise.all([w.smtp.close(), w.imap.close()]);
    }
  });

  test('a server that drops before even one message arrives: exit 75 saying where it stopped, nothing suppressed; the next check reads all', async () => {
    let proxy: Awaited<ReturnType<typeof startDroppingProxy>> | undefined;
    const w = await world(5, async (imap) => (proxy = await startDroppingProxy(imap, { afterBytes: 20_000, drops: 1000 })).port);
    try {
      // each bounce returns the whole original message with a 60 KB attachment: none fits in what the proxy lets through
      const big = (await hardBounces(w, 5)).map((raw) =>
        Buffer.concat([
          raw.subarray(0, raw.lastIndexOf('--4Qx1Z')),
          Buffer.from(
            `--4Qx1Z72k3Wz9vBJ.1701339262/mail.example.net\r\nContent-Type: text/plain\r\n\r\n${'x'.repeat(76).concat('\r\n').repeat(800)}\r\n`,
          ),
          raw.subarray(raw.lastIndexOf('--4Qx1Z')),
        ]),
      );
      await w.imap.deliver(big);
      const first = await check(w);
      expect(first.code).toBe(75);
      expect(first.stderr).toMatch(
        /dropped the connection .*read up to UID 0\. Run `mailshot bounces check` again later: it continues there/,
      );
      expect(first.stderr).not.toContain('unexpected error');
      expect(JSON.parse((await runCli(['suppress', 'list', '--account', 'smtp1', '--json'], { env: w.env })).stdout).count).toBe(0);
      expect(
        (await runCli(['accounts', 'set', 'smtp1', '--imap-port', String(w.imap.port), '--imap-security', 'none'], { env: w.env })).code,
      ).toBe(0);
      const second = await check(w);
      expect(second.json).toMatchObject({ messages: 5, counts: { bounced: 5 } });
    } finally {
      await proxy?.close();
      await Promise.all([w.smtp.close(), w.imap.close()]);
    }
  });

  test('a mailbox of 3,000 messages is read in batches, once; --since leaves older ones', async () => {
    const w = await world(3);
    try {
      const filler = await bounceFixture('reply.eml', { recipient: 'someone@example.org', messageId: '<unrelated@example.org>', sender });
      await w.imap.deliver([...Array.from({ length: 2997 }, () => filler), ...(await hardBounces(w, 3))]);
      const future = await check(w, '--since', '2099-01-01');
      expect(future.json.messages).toBe(0);
      const started = Date.now();
      const result = await check(w);
      expect(result.code).toBe(0);
      expect(result.json).toMatchObject({ messages: 3000, counts: { other: 2997, bounced: 3 } });
      process.stderr.write(`bounces check read 3,000 IMAP messages in ${Date.now() - started} ms\n`);
      expect((await check(w)).json.messages).toBe(0);
    } finally {
      await Promise.all([w.smtp.close(), w.imap.close()]);
    }
  }, 120_000);

  test('a message over 25 MB is counted and listed as too large, never fetched; the bounce after it is handled', async () => {
    const w = await world(1);
    try {
      const huge = Buffer.concat([
        Buffer.from('From: someone@example.org\r\nTo: sender@example.com\r\nSubject: huge\r\n\r\n'),
        Buffer.alloc(26 * 1024 * 1024, 'z\r\n'),
      ]);
      await w.imap.deliver([huge, ...(await hardBounces(w, 1))]);
      const result = await check(w);
      expect(result.code).toBe(0);
      expect(result.json).toMatchObject({ messages: 2, counts: { too_large: 1, bounced: 1 } });
      expect(result.json.unmatched[0].why).toMatch(/^larger than 25 MB \(26\.0 MB\): not read$/);
    } finally {
      await Promise.all([w.smtp.close(), w.imap.close()]);
    }
  }, 60_000);

  test('a check while another holds the lock exits 75; a wrong IMAP password exits 1 naming the server; accounts test checks IMAP', async () => {
    const w = await world(1);
    try {
      const tested = await runCli(['accounts', 'test', 'smtp1'], { env: w.env });
      expect(tested.code).toBe(0);
      expect(tested.stdout).toMatch(/imap: 127\.0\.0\.1:\d+ \(none\), INBOX holds 0 message/);
      const lockDir = path.join(w.env.MAILSHOT_CONFIG_DIR, 'bounces');
      await mkdir(lockDir, { recursive: true });
      await writeFile(
        path.join(lockDir, 'smtp1.lock'),
        JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }),
      );
      const locked = await check(w);
      expect(locked.code).toBe(75);
      expect(locked.stderr).toContain('another `mailshot bounces check smtp1` is reading this mailbox');

      const other = await startDovecot({ user, password: 'a-different-password' });
      try {
        await runCli(['accounts', 'set', 'smtp1', '--imap-port', String(other.port)], { env: w.env });
        await writeFile(path.join(lockDir, 'smtp1.lock'), JSON.stringify({ pid: 999_999_999, host: hostname(), since: '' })); // its owner is gone
        const refused = await check(w);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/IMAP 127\.0\.0\.1:\d+ \(none\) refused the sign-in of sender@example\.com/);
        const testedAgain = await runCli(['accounts', 'test', 'smtp1'], { env: w.env });
        expect(testedAgain.code).toBe(1);
        expect(testedAgain.stderr).toContain('refused the sign-in');
      } finally {
        await other.close();
      }
    } finally {
      await Promise.all([w.smtp.close(), w.imap.close()]);
    }
  });
});
