/**
 * `campaign check`: the deliverability pre-flight against a DNS server this test starts on 127.0.0.1,
 * serving a matrix of domains (test/helpers/dns-zone.ts). The decisions are checked in-process over
 * every case; the command is run as a process with an SMTP account and with a Gmail account.
 */
import { runCli, writeCampaign } from './helpers/cli.js';
import { keys, matrix } from './helpers/dns-zone.js';
import { linkGoogle } from './helpers/google.js';
import { addAccount, fileSecretsEnv, until } from './helpers/smtp.js';
import { startDnsServer, type DnsTestServer } from './servers/dns.js';
import { startGmailSimulator } from './servers/gmail.js';
import { startSmtpServer } from './servers/smtp.js';
import { dnsResolver } from '../src/campaign/check/dns.js';
import type { Finding } from '../src/campaign/check/finding.js';
import { preflight } from '../src/campaign/check/preflight.js';
import type { CampaignSize } from '../src/campaign/check/rules.js';
import type { SendingService } from '../src/campaign/check/service.js';

let dns: DnsTestServer;
beforeAll(async () => {
  dns = await startDnsServer(matrix);
});
afterAll(() => dns.close());

const google: SendingService = { kind: 'google', account: 'g', address: 'news@good.test' };
const microsoft: SendingService = { kind: 'microsoft', account: 'm', address: 'news@ms.test' };
const relay: SendingService = { kind: 'smtp', account: 's', host: 'relay.own.test' };

async function findings(from: string, service: SendingService, size?: CampaignSize, unsubscribeUrl?: string) {
  const result = await preflight({ from, service, dns: dnsResolver(dns.address), size, unsubscribeUrl });
  return Object.fromEntries(result.findings.map((finding) => [finding.check, finding])) as Record<Finding['check'], Finding>;
}

describe('the pre-flight, decision by decision, against the test DNS server', () => {
  test('SPF: missing, without the service, over 10 look-ups, two records, and right for Google, Microsoft and an own relay', async () => {
    expect((await findings('a@nospf.test', google)).spf).toEqual({
      check: 'spf',
      status: 'fail',
      why: 'nospf.test has no SPF record',
      record: 'nospf.test TXT "v=spf1 include:_spf.google.com ~all"',
    });
    expect((await findings('a@nosvc.test', google)).spf).toMatchObject({
      status: 'fail',
      why: "nosvc.test's SPF record does not authorise Google",
      record: 'nosvc.test TXT "v=spf1 ip4:198.51.100.1 include:_spf.google.com -all"',
    });
    expect((await findings('a@nosvc.test', relay)).spf).toMatchObject({
      status: 'fail',
      record: 'nosvc.test TXT "v=spf1 ip4:198.51.100.1 ip4:127.0.0.1 -all"',
    });
    expect((await findings('a@toomany.test', google)).spf).toMatchObject({
      status: 'fail',
      why: expect.stringMatching(/does not evaluate \(permerror: .*DNS/i),
    });
    expect((await findings('a@twospf.test', google)).spf).toMatchObject({
      status: 'fail',
      why: expect.stringContaining('has 2 SPF records'),
      record: 'twospf.test TXT "v=spf1 include:_spf.google.com ip4:127.0.0.1 ~all"',
    });
    expect((await findings('a@good.test', google)).spf).toMatchObject({
      status: 'pass',
      why: expect.stringMatching(/one record, \d+ of 10 DNS look-ups; it authorises Google/),
    });
    expect((await findings('a@ms.test', microsoft)).spf).toMatchObject({
      status: 'pass',
      why: expect.stringContaining('authorises Microsoft 365'),
    });
    expect((await findings('a@own.test', relay)).spf).toMatchObject({
      status: 'pass',
      why: expect.stringContaining('the SMTP relay relay.own.test'),
    });
    expect((await findings('a@good.test', microsoft)).spf.status).toBe('fail');
    const sendgrid: SendingService = { kind: 'smtp', account: 'sg', host: 'smtp.sendgrid.net' };
    expect((await findings('a@sg.test', sendgrid)).spf).toMatchObject({
      status: 'pass',
      why: expect.stringContaining('smtp.sendgrid.net (SendGrid)'),
    });
    expect((await findings('a@nosvc.test', sendgrid)).spf.record).toBe(
      'nosvc.test TXT "v=spf1 ip4:198.51.100.1 include:sendgrid.net -all"',
    );
  });

  test("DKIM: missing, 512, 1024 and 2048 bits, a CNAME to the tenant, the account's own key and a wrong one", async () => {
    expect((await findings('a@nodkim.test', google)).dkim).toMatchObject({
      status: 'fail',
      why: expect.stringContaining('no DKIM key at google._domainkey.nodkim.test'),
      record: expect.stringMatching(/^google\._domainkey\.nodkim\.test TXT "v=DKIM1; k=rsa; p=/),
    });
    expect((await findings('a@tiny.test', google)).dkim).toMatchObject({ status: 'fail', why: expect.stringContaining('512 bits') });
    expect((await findings('a@weak.test', google)).dkim).toMatchObject({
      status: 'warn',
      why: expect.stringContaining('1024 bits: it works, but 2048'),
    });
    expect((await findings('a@good.test', google)).dkim).toEqual({
      check: 'dkim',
      status: 'pass',
      why: 'a 2048-bit key at google._domainkey.good.test',
    });
    expect((await findings('a@ms.test', microsoft)).dkim).toMatchObject({
      status: 'pass',
      why: 'a 2048-bit key at selector1._domainkey.ms.test',
    });
    const own = { ...relay, dkim: { domain: 'own.test', selector: 'mail', publicKey: keys.k2048.publicPem } };
    expect((await findings('a@own.test', own)).dkim).toMatchObject({ status: 'pass', why: 'a 2048-bit key at mail._domainkey.own.test' });
    const wrong = { ...relay, dkim: { domain: 'own.test', selector: 'wrong', publicKey: keys.k2048.publicPem } };
    expect((await findings('a@own.test', wrong)).dkim).toEqual({
      check: 'dkim',
      status: 'fail',
      why: "the key published at wrong._domainkey.own.test is not the account's key: receivers will see dkim=fail",
      record: `wrong._domainkey.own.test TXT "v=DKIM1; k=rsa; p=${keys.k2048.p}"`,
    });
    expect((await findings('a@own.test', relay)).dkim).toMatchObject({
      status: 'warn',
      why: expect.stringContaining('selector is unknown'),
    });
  });

  test('DMARC: none, quarantine, reject and missing; aligned through DKIM or SPF, or not at all', async () => {
    expect((await findings('a@nospf.test', google)).dmarc).toMatchObject({
      status: 'pass',
      why: expect.stringMatching(/^p=none: monitoring only/),
    });
    expect((await findings('a@weak.test', google)).dmarc).toMatchObject({
      status: 'pass',
      why: expect.stringMatching(/^p=quarantine: .*spam/),
    });
    expect((await findings('a@good.test', google)).dmarc).toMatchObject({
      status: 'pass',
      why: expect.stringMatching(/^p=reject: .*rejected/),
    });
    expect((await findings('a@nosvc.test', google)).dmarc).toEqual({
      check: 'dmarc',
      status: 'warn',
      why: expect.stringContaining('no DMARC record at _dmarc.nosvc.test'),
      record: '_dmarc.nosvc.test TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@nosvc.test"',
    });
    expect((await findings('a@good.test', google)).alignment).toMatchObject({
      status: 'pass',
      why: 'DKIM (d=good.test) and SPF (envelope sender @good.test) align with the From domain good.test',
    });
    // a Gmail mailbox on another domain, no DKIM key, p=reject: rejected
    const elsewhere = { ...google, address: 'someone@gmail.com' };
    expect((await findings('a@nodkim.test', elsewhere)).alignment).toMatchObject({
      status: 'fail',
      why: expect.stringContaining(
        'neither DKIM nor SPF aligns with the From domain nodkim.test (the envelope sender is @gmail.com): with p=reject',
      ),
    });
    expect((await findings('a@nospf.test', elsewhere)).alignment.status).toBe('warn');
    // an own relay: SPF aligns through the From address, mailshot's key through d=own.test (strict mode)
    const own = { ...relay, dkim: { domain: 'own.test', selector: 'mail', publicKey: keys.k2048.publicPem } };
    expect((await findings('a@own.test', own)).alignment.status).toBe('pass');
    const subdomainKey = { ...relay, dkim: { domain: 'mail.own.test', selector: 'mail', publicKey: keys.k2048.publicPem } };
    expect((await findings('a@own.test', subdomainKey)).dkim.status).toBe('fail'); // no key at mail._domainkey.mail.own.test
  });

  test("bulk-sender rules by the campaign's size, and a free-mail From through another provider", async () => {
    const small = await findings('a@good.test', google, { recipients: 900, bigMailbox: 400 });
    expect(small.bulk).toMatchObject({
      status: 'pass',
      why: '400 of 900 recipients at Gmail or Yahoo: under the 5,000 a day that make a bulk sender',
    });
    const big = { recipients: 9000, bigMailbox: 6000 };
    expect((await findings('a@good.test', google, big)).bulk).toMatchObject({
      status: 'fail',
      why: '6000 of 9000 recipients at Gmail or Yahoo make this a bulk send, which also needs one-click unsubscribe (list_unsubscribe.url with an https:// URL)',
    });
    expect((await findings('a@good.test', google, big, 'https://good.test/u?e={{ email }}')).bulk.status).toBe('pass');
    expect((await findings('a@nosvc.test', google, big, 'https://x.test/u')).bulk.why).toContain(
      'needs SPF that passes, DKIM that passes, a DMARC record',
    );
    const viaRelay = await findings('me@gmail.com', relay);
    expect(viaRelay['free-mail']).toMatchObject({
      status: 'fail',
      why: expect.stringContaining('From @gmail.com sent through the SMTP relay relay.own.test'),
    });
    expect(Object.keys(viaRelay)).toEqual(['free-mail']);
    expect((await findings('me@gmail.com', google))['free-mail'].status).toBe('pass');
    expect((await findings('me@outlook.com', google))['free-mail'].status).toBe('fail');
  });
});

describe('mailshot campaign check (the process)', () => {
  test('an SMTP relay: findings as text and JSON, exit 1 while one fails, 0 when none does; --dns-server and MAILSHOT_DNS_SERVER', async () => {
    const smtp = await startSmtpServer();
    try {
      const env = await fileSecretsEnv();
      await addAccount(env, 'relay', smtp);
      const failing = await writeCampaign({ fields: { from: 'News <news@nosvc.test>', via: 'relay' } });
      const text = await runCli(['campaign', 'check', failing.file, '--dns-server', dns.address], { env });
      expect(text.code).toBe(1);
      expect(text.stdout).toContain('Will it land? nosvc.test through "relay" (the SMTP relay 127.0.0.1)\n');
      expect(text.stdout).toMatch(/^ {2}fail {2}spf {7}nosvc\.test's SPF record does not authorise the SMTP relay 127\.0\.0\.1$/m);
      expect(text.stdout).toContain('add: nosvc.test TXT "v=spf1 ip4:198.51.100.1 ip4:127.0.0.1 -all"');
      expect(text.stdout).toMatch(/fix the failing ones before a real send\n$/);
      const json = await runCli(['campaign', 'check', failing.file, '--json'], { env: { ...env, MAILSHOT_DNS_SERVER: dns.address } });
      expect(json.code).toBe(1);
      const parsed = JSON.parse(json.stdout);
      expect(parsed).toMatchObject({ via: 'relay', domain: 'nosvc.test', ok: false });
      expect(parsed.findings.map((finding: Finding) => `${finding.check}:${finding.status}`)).toEqual([
        'spf:fail',
        'dkim:warn',
        'dmarc:warn',
        'alignment:warn',
        'bulk:pass',
      ]);
      const passing = await writeCampaign({ fields: { from: 'News <news@own.test>', via: 'relay' } });
      const clear = await runCli(['campaign', 'check', passing.file, '--dns-server', dns.address], { env });
      expect(clear.stdout).toMatch(/pass {2}spf .*authorises the SMTP relay 127\.0\.0\.1/);
      expect(clear.code).toBe(0);
      const bad = await runCli(['campaign', 'check', passing.file, '--dns-server', 'dns.example:53'], { env });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('give the DNS server as an IP address with an optional port');
      const noVia = await writeCampaign({ fields: { from: 'News <news@own.test>' } });
      const refused = await runCli(['campaign', 'check', noVia.file, '--dns-server', dns.address], { env });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('give --via ACCOUNT');
    } finally {
      await smtp.close();
    }
  });

  test('a first real send runs the quick check: warnings, and with --require-deliverability nothing is sent', async () => {
    const smtp = await startSmtpServer();
    try {
      const env = { ...(await fileSecretsEnv()), MAILSHOT_DNS_SERVER: dns.address };
      await addAccount(env, 'relay', smtp);
      const campaign = await writeCampaign({ fields: { from: 'News <news@nosvc.test>', via: 'relay' } });
      const stopped = await runCli(['campaign', 'send', campaign.file, '--require-deliverability'], { env });
      expect(stopped.code).toBe(1);
      expect(stopped.stderr).toContain("deliverability: FAIL spf: nosvc.test's SPF record does not authorise the SMTP relay 127.0.0.1");
      expect(stopped.stderr).toContain('1 deliverability check(s) failed; nothing was sent (--require-deliverability)');
      expect(smtp.received).toEqual([]);
      const sent = await runCli(['campaign', 'send', campaign.file], { env });
      expect(sent.code).toBe(0);
      expect(sent.stderr).toContain('sending anyway. `mailshot campaign check');
      expect(smtp.received).toHaveLength(2);
      const clean = await writeCampaign({ fields: { from: 'News <news@own.test>', via: 'relay' } });
      const quiet = await runCli(['campaign', 'send', clean.file, '--require-deliverability'], { env });
      expect(quiet.code).toBe(0);
      expect(quiet.stderr).not.toContain('FAIL');
    } finally {
      await smtp.close();
    }
  });

  test('without --require-deliverability or a question, the mail goes before DNS answers; the findings come before the run ends', async () => {
    let answer!: () => void;
    const held = new Promise<void>((resolve) => (answer = resolve));
    const [smtp, slow] = await Promise.all([startSmtpServer(), startDnsServer(matrix, { held })]);
    try {
      const env = { ...(await fileSecretsEnv()), MAILSHOT_DNS_SERVER: slow.address };
      await addAccount(env, 'relay', smtp);
      const campaign = await writeCampaign({ fields: { from: 'News <news@nosvc.test>', via: 'relay' } });
      const running = runCli(['campaign', 'send', campaign.file], { env });
      // the bound only limits how long a failure takes: DNS answers nothing until both messages are in
      expect(await until(() => smtp.received.length === 2, 60_000)).toBe(true);
      answer();
      const sent = await running;
      expect(sent.code).toBe(0);
      expect(sent.stderr).toContain("deliverability: FAIL spf: nosvc.test's SPF record does not authorise the SMTP relay 127.0.0.1");
      expect(sent.stderr.indexOf('deliverability: FAIL')).toBeLessThan(sent.stderr.indexOf('done: sent 2'));
    } finally {
      answer();
      await Promise.all([smtp.close(), slow.close()]);
    }
  });

  test('a DNS server that does not answer does not hold a first send up: a warning, and the mail goes', async () => {
    const [smtp, silent] = await Promise.all([startSmtpServer(), startDnsServer({}, { silent: true })]);
    try {
      const env = { ...(await fileSecretsEnv()), MAILSHOT_DNS_SERVER: silent.address };
      await addAccount(env, 'relay', smtp);
      const campaign = await writeCampaign({ fields: { from: 'News <news@own.test>', via: 'relay' } });
      const sent = await runCli(['campaign', 'send', campaign.file], { env });
      expect(sent.stderr).toMatch(/the deliverability check could not look up DNS \(.*\); sending anyway/);
      expect(sent.code).toBe(0);
      expect(smtp.received).toHaveLength(2);
      expect(silent.questions.length).toBeGreaterThan(0);
    } finally {
      await Promise.all([smtp.close(), silent.close()]);
    }
  });

  test('a Gmail account whose mailbox is on another domain than the From: DKIM and alignment fail, with the records to add', async () => {
    const gmail = await startGmailSimulator();
    try {
      const env = {
        ...(await fileSecretsEnv()),
        ...gmail.env,
        GOOGLE_CLIENT_SECRET: gmail.client.secret,
        MAILSHOT_DNS_SERVER: dns.address,
      };
      await linkGoogle(gmail, env, 'gmail');
      const campaign = await writeCampaign({ fields: { from: 'News <news@nodkim.test>' } });
      const result = await runCli(['campaign', 'check', campaign.file, '--via', 'gmail', '--json'], { env });
      expect(result.code).toBe(1);
      const checks = Object.fromEntries(JSON.parse(result.stdout).findings.map((finding: Finding) => [finding.check, finding]));
      expect(checks.spf.status).toBe('pass');
      expect(checks.dkim).toMatchObject({ status: 'fail', record: expect.stringContaining('google._domainkey.nodkim.test TXT') });
      expect(checks.alignment).toMatchObject({ status: 'fail', why: expect.stringContaining('with p=reject') });
    } finally {
      await gmail.close();
    }
  });
});
