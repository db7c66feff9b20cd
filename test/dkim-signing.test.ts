/**
 * DKIM signing for SMTP accounts whose relay does not sign: `accounts add smtp … --dkim-*` keeps the key
 * in the secret store (never in accounts.json), nodemailer signs each message, and mailauth — the same
 * library `campaign check` uses — verifies the message the test SMTP server received against the test
 * DNS server (dkim=pass, DMARC pass). `campaign check` compares the published key with the account's.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { authenticate } from 'mailauth';
import { runCli, tempDir, writeCampaign } from './helpers/cli.js';
import { dkimKey } from './helpers/dns-zone.js';
import { addAccount, fileSecretsEnv } from './helpers/smtp.js';
import { runInProcess } from './helpers/in-process.js';
import { startDnsServer } from './servers/dns.js';
import { startSmtpServer } from './servers/smtp.js';
import { dnsResolver } from '../src/campaign/check/dns.js';

const key = dkimKey(2048);
const other = dkimKey(2048);
const zone = {
  'signed.test': [{ type: 'TXT' as const, data: 'v=spf1 ip4:127.0.0.1 -all' }],
  'mail._domainkey.signed.test': [{ type: 'TXT' as const, data: `v=DKIM1; k=rsa; p=${key.p}` }],
  'old._domainkey.signed.test': [{ type: 'TXT' as const, data: `v=DKIM1; k=rsa; p=${other.p}` }],
  '_dmarc.signed.test': [{ type: 'TXT' as const, data: 'v=DMARC1; p=reject' }],
};

test('a message signed with the account key passes DKIM and DMARC; the key stays out of accounts.json; check compares it with DNS', async () => {
  const [smtp, dns] = await Promise.all([startSmtpServer(), startDnsServer(zone)]);
  try {
    const env = { ...(await fileSecretsEnv()), MAILSHOT_DNS_SERVER: dns.address };
    const keyFile = path.join(await tempDir('mailshot-dkim-'), 'dkim.pem');
    await writeFile(keyFile, key.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const dkimArgs = ['--dkim-domain', 'signed.test', '--dkim-selector', 'mail', '--dkim-key-file', keyFile];
    const added = await addAccount(env, 'relay', smtp, { args: dkimArgs });
    expect(added.stderr).toContain('"relay" signs with DKIM as signed.test (selector mail)');
    const accounts = await readFile(path.join(env.MAILSHOT_CONFIG_DIR, 'accounts.json'), 'utf8');
    expect(accounts).not.toContain('PRIVATE KEY');
    expect(JSON.parse(accounts).accounts.relay.dkim).toMatchObject({ domain: 'signed.test', selector: 'mail', secret: 'file' });
    expect(await readFile(path.join(env.MAILSHOT_CONFIG_DIR, 'secrets.json'), 'utf8')).toContain('PRIVATE KEY');

    const campaign = await writeCampaign({ fields: { from: 'News <news@signed.test>', via: 'relay' } });
    expect((await runCli(['campaign', 'send', campaign.file, '--require-deliverability'], { env })).code).toBe(0);
    expect(smtp.received).toHaveLength(2);
    const verdict = await authenticate(smtp.received[0]!.raw, {
      ip: '127.0.0.1',
      helo: 'relay.signed.test',
      sender: 'news@signed.test',
      mta: 'mx.test',
      resolver: dnsResolver(dns.address).lookup,
    });
    expect(verdict.dkim.results.map((result) => [result.signingDomain, result.status.result])).toEqual([['signed.test', 'pass']]);
    expect(verdict.dmarc && verdict.dmarc.status.result).toBe('pass');

    const checked = await runCli(['campaign', 'check', campaign.file, '--json'], { env });
    expect(JSON.parse(checked.stdout).findings.find((finding: { check: string }) => finding.check === 'dkim')).toMatchObject({
      status: 'pass',
      why: 'a 2048-bit key at mail._domainkey.signed.test',
    });
    expect(checked.code).toBe(0);
    // another selector, whose published key is not this one: the check says so
    expect(
      (await runCli(['accounts', 'set', 'relay', ...dkimArgs.slice(0, 2), '--dkim-selector', 'old', '--dkim-key-file', keyFile], { env }))
        .code,
    ).toBe(0);
    const mismatch = await runCli(['campaign', 'check', campaign.file], { env });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stdout).toContain("the key published at old._domainkey.signed.test is not the account's key");

    expect((await runCli(['accounts', 'remove', 'relay'], { env })).code).toBe(0);
    expect(await readFile(path.join(env.MAILSHOT_CONFIG_DIR, 'secrets.json'), 'utf8')).not.toContain('PRIVATE KEY');
  } finally {
    await Promise.all([smtp.close(), dns.close()]);
  }
});

test('bad --dkim-* input is refused before anything is saved', async () => {
  const smtp = await startSmtpServer();
  try {
    const env = await fileSecretsEnv();
    const dir = await tempDir('mailshot-dkim-');
    const notKey = path.join(dir, 'notes.txt');
    await writeFile(notKey, 'not a key\n');
    const partial = await runCli(
      ['accounts', 'add', 'smtp', 'a', '--host', smtp.host, '--port', String(smtp.port), '--security', 'none', '--dkim-domain', 'x.test'],
      { env },
    );
    expect(partial.code).toBe(2);
    expect(partial.stderr).toContain('DKIM signing needs --dkim-selector and --dkim-key-file as well');
    const args = ['--dkim-domain', 'x.test', '--dkim-selector', 's1', '--dkim-key-file', notKey];
    const garbage = await runCli(
      ['accounts', 'add', 'smtp', 'a', '--host', smtp.host, '--port', String(smtp.port), '--security', 'none', ...args],
      { env },
    );
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toContain(`--dkim-key-file ${notKey}: not a private key in PEM form`);
    expect((await runInProcess(['accounts', 'list', '--json'], { env })).stdout.trim()).toBe('[]');
  } finally {
    await smtp.close();
  }
});
