/**
 * cc: and bcc: in the campaign file. Cc is a header and an envelope recipient; Bcc is never in the message
 * a recipient gets: SMTP has it in the envelope only; Gmail's messages.send and Graph's MIME sendMail take
 * their recipients from the headers and strip Bcc before delivery, so they get it as a header.
 */
import { readFile } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import { collect, runCli, startCli, writeCampaign, type CampaignFixture } from './helpers/cli.js';
import { journalEvents, journalShows, type JournalLine } from './helpers/journal.js';
import { linkGoogle, googleEnv } from './helpers/google.js';
import { addressesOf, bareLineEnds, outboxMessages } from './helpers/messages.js';
import { addAccount, fileSecretsEnv, smtpServersPerTest, type Env } from './helpers/smtp.js';
import { startGmailSimulator, type GmailSimulator } from './servers/gmail.js';
import { startGraphServer, testClientId, type GraphTestServer } from './servers/graph.js';
import { graphEnv } from './helpers/graph.js';
import { reportJson } from './helpers/report.js';
import { runInProcess } from './helpers/in-process.js';

const csv = 'email,name,manager\nann@example.com,Ann,"Mia <mia@example.com>, leo@example.com"\nbob@example.com,Bob,\n';
const copies = { cc: '{{ manager }}', bcc: ['Archive <archive@example.com>'] };

async function send(campaign: CampaignFixture, env: Env) {
  const result = await runCli(['campaign', 'send', campaign.file], { env });
  expect(result.stderr).not.toMatch(/unexpected error|^ {4}at /m);
  expect(result.code).toBe(0);
  return result;
}

async function copiesReport(campaign: CampaignFixture, env: Env) {
  return await reportJson<{
    copies: { cc: number; bcc: number };
    recipients: { recipient: string; cc?: string[]; bcc?: string[] }[];
  }>(campaign.file, [], { env });
}

describe('cc and bcc', () => {
  const newSmtpServer = smtpServersPerTest();

  test('SMTP: Cc in the header and the envelope, Bcc in the envelope only; the report shows them', async () => {
    const smtp = await newSmtpServer();
    const env = await fileSecretsEnv();
    await addAccount(env, 'relay', smtp);
    const campaign = await writeCampaign({ csv, fields: { ...copies, via: 'relay' } });
    await send(campaign, env);
    const byTo = new Map(smtp.received.map((message) => [message.to[0], message]));
    expect(byTo.get('ann@example.com')!.to).toEqual(['ann@example.com', 'mia@example.com', 'leo@example.com', 'archive@example.com']);
    expect(byTo.get('bob@example.com')!.to).toEqual(['bob@example.com', 'archive@example.com']);
    for (const message of smtp.received) {
      const mail = await simpleParser(message.raw);
      expect(mail.headers.has('bcc')).toBe(false);
      expect(message.raw.toString('latin1')).not.toContain('archive@');
      expect(bareLineEnds(message.raw)).toEqual([]);
    }
    const ann = await simpleParser(byTo.get('ann@example.com')!.raw);
    expect(addressesOf(ann.cc)).toEqual(['mia@example.com', 'leo@example.com']);
    expect((await simpleParser(byTo.get('bob@example.com')!.raw)).cc).toBeUndefined();

    const report = await copiesReport(campaign, env);
    expect(report.copies).toEqual({ cc: 2, bcc: 2 });
    expect(report.recipients.find((row) => row.recipient === 'ann@example.com')).toMatchObject({
      cc: ['mia@example.com', 'leo@example.com'],
      bcc: ['archive@example.com'],
    });
    const table = await runInProcess(['report', campaign.file], { env });
    expect(table.stdout).toContain('Copies      2 cc · 2 bcc');
    const csvReport = await runInProcess(['report', campaign.file, '--format', 'csv'], { env });
    expect(csvReport.stdout.split('\n')[0]).toBe(
      'recipient,status,line,reason,code,detail,at,cc,bcc,refused_copies,after_delivery,after_status,after_detail,after_at',
    );
  });

  test("SMTP: a refused recipient is failed with the server's reply even when its copies were accepted", async () => {
    const smtp = await newSmtpServer({
      replies: (stage, _session, recipient) =>
        stage === 'rcpt' && recipient === 'bob@example.com' ? { code: 550, message: '5.1.1 User unknown' } : undefined,
    });
    const env = await fileSecretsEnv();
    await addAccount(env, 'relay', smtp);
    const campaign = await writeCampaign({ csv, fields: { ...copies, via: 'relay' } });
    const result = await runCli(['campaign', 'send', campaign.file], { env });
    expect(result.code).toBe(0);
    const report = await reportJson<{
      recipients: { recipient: string; status: string; detail?: string }[];
    }>(campaign.file, [], { env });
    expect(report.recipients.find((row) => row.recipient === 'bob@example.com')).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('550 5.1.1 User unknown'),
    });
    expect(report.recipients.find((row) => row.recipient === 'ann@example.com')).toMatchObject({ status: 'sent' });
  });

  test('SMTP: 451 to the recipient and 250 to its copies, through send and two resumes: each copy gets the message once', async () => {
    let busy = true;
    const smtp = await newSmtpServer({
      replies: (stage, _session, recipient) =>
        busy && stage === 'rcpt' && recipient === 'ann@example.com' ? { code: 451, message: '4.2.1 Mailbox busy, try later' } : undefined,
    });
    const env = await fileSecretsEnv();
    await addAccount(env, 'relay', smtp);
    const campaign = await writeCampaign({ csv, fields: { ...copies, via: 'relay' } });
    // A 451 at RCPT is about that recipient: she waits minutes between attempts. Each run is stopped (exit 75)
    // once the journal has her refusal, as a person or cron's next run would find her: deferred.
    const annRefusals = (events: JournalLine[]) =>
      events.filter((event) => event.to === 'ann@example.com' && event.ev === 'deferred').length;
    for (const verb of ['send', 'resume']) {
      const before = annRefusals(await journalEvents(campaign.stateDir));
      const run = startCli(['campaign', verb, campaign.file], { env });
      const exited = collect(run);
      await journalShows(campaign.stateDir, (events) => annRefusals(events) > before);
      run.kill('SIGTERM');
      expect((await exited).code).toBe(75);
    }
    busy = false;
    const last = await runCli(['campaign', 'resume', campaign.file], { env });
    expect(last.code).toBe(0);
    const annId = smtp.received.find((message) => message.to.includes('ann@example.com'))!.messageId;
    const bobId = smtp.received.find((message) => message.to.includes('bob@example.com'))!.messageId;
    const got = (address: string) => smtp.received.filter((message) => message.to.includes(address)).map((message) => message.messageId);
    expect(got('ann@example.com')).toEqual([annId]);
    expect(got('mia@example.com')).toEqual([annId]);
    expect(got('leo@example.com')).toEqual([annId]);
    expect(got('archive@example.com').sort()).toEqual([annId, bobId].sort());
    // The message ann finally got names her copies in its Cc header, as the first one did.
    const final = await simpleParser(smtp.received.find((message) => message.to.includes('ann@example.com'))!.raw);
    expect(addressesOf(final.cc)).toEqual(['mia@example.com', 'leo@example.com']);
    const report = await copiesReport(campaign, env);
    expect(report.recipients.find((row) => row.recipient === 'ann@example.com')).toMatchObject({
      cc: ['mia@example.com', 'leo@example.com'],
    });
  }, 60_000);

  test('SMTP: 550 to a copy and 250 to the recipient: sent, and the refused copy is in every report format and in -v', async () => {
    const smtp = await newSmtpServer({
      replies: (stage, _session, recipient) =>
        stage === 'rcpt' && recipient === 'archive@example.com' ? { code: 550, message: '5.1.1 No such mailbox here' } : undefined,
    });
    const env = await fileSecretsEnv();
    await addAccount(env, 'relay', smtp);
    const campaign = await writeCampaign({ csv, fields: { ...copies, via: 'relay' } });
    const sent = await runCli(['campaign', 'send', campaign.file, '-v'], { env });
    expect(sent.code).toBe(0);
    expect(sent.stderr).toContain('copy to archive@example.com refused: 550 5.1.1 No such mailbox here');
    for (let run = 0; run < 2; run++) expect((await runCli(['campaign', 'resume', campaign.file], { env })).code).toBe(0);
    expect(smtp.received.map((message) => message.to[0]).sort()).toEqual(['ann@example.com', 'bob@example.com']);
    const report = await reportJson<{
      recipients: { recipient: string; status: string; refused_copies?: unknown }[];
    }>(campaign.file, [], { env });
    for (const recipient of ['ann@example.com', 'bob@example.com']) {
      expect(report.recipients.find((row) => row.recipient === recipient)).toMatchObject({
        status: 'sent',
        refused_copies: [{ address: 'archive@example.com', reply: expect.stringContaining('550 5.1.1 No such mailbox here') }],
      });
    }
    const csvReport = (await runInProcess(['report', campaign.file, '--format', 'csv'], { env })).stdout;
    expect(csvReport).toContain('archive@example.com (550 5.1.1 No such mailbox here');
    const table = (await runInProcess(['report', campaign.file], { env })).stdout;
    expect(table).toContain('Copies refused (2): the recipient got the message, these copies did not');
    const htmlFile = (await runInProcess(['report', campaign.file, '--format', 'html'], { env })).stdout.trim();
    expect(await readFile(htmlFile, 'utf8')).toContain('copy to archive@example.com refused: 550 5.1.1 No such mailbox here');
  });

  test('the outbox .eml has the Cc header and no Bcc; preview shows both', async () => {
    const campaign = await writeCampaign({ csv, fields: copies });
    await send(campaign, {});
    const ann = (await outboxMessages(campaign)).get('ann@example.com')!;
    expect(addressesOf(ann.mail.cc)).toEqual(['mia@example.com', 'leo@example.com']);
    expect(ann.mail.headers.has('bcc')).toBe(false);
    expect(ann.raw.toString('latin1')).not.toContain('archive@');
    const preview = await runInProcess(['campaign', 'preview', campaign.file]);
    expect(preview.stdout).toContain('Cc: mia@example.com, leo@example.com\n');
    expect(preview.stdout).toContain('Bcc: archive@example.com (envelope only, not in the message)\n');
  });

  test('copies count against the daily limit as recipients: 3 recipients with a Bcc each, limit 5, pause after two', async () => {
    const smtp = await newSmtpServer();
    const env = await fileSecretsEnv();
    await addAccount(env, 'small', smtp, { args: ['--daily-limit', '5', '--max-concurrent', '1'] });
    const campaign = await writeCampaign({
      csv: 'email,name\na@example.com,A\nb@example.com,B\nc@example.com,C\n',
      fields: { bcc: 'archive@example.com', via: 'small' },
    });
    const result = await runCli(['campaign', 'send', campaign.file], { env });
    expect(result.code).toBe(75);
    expect(result.stderr).toMatch(/daily limit of 5 recipients is reached/);
    expect(smtp.received.map((message) => message.to.length)).toEqual([2, 2]);
  });

  test('a cc value that is not an address stops validate with the CSV line; a Cc or Bcc in headers says which field to use', async () => {
    const bad = await writeCampaign({
      csv: 'email,name,manager\nann@example.com,Ann,mia@example.com\nbob@example.com,Bob,not an address\n',
      fields: { cc: '{{ manager }}' },
    });
    const result = await runInProcess(['campaign', 'validate', bad.file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('field "cc" rendered to "not an address"');
    expect(result.stderr).toContain('line 3 of recipients.csv');

    for (const [header, advice] of [
      ['Bcc', 'use the field "bcc"'],
      ['Cc', 'use the field "cc"'],
      ['Reply-To', 'use the field "reply_to"'],
      ['To', '"email_column"'],
    ]) {
      const campaign = await writeCampaign({ fields: { headers: { [header]: 'x@example.com' } } });
      const refused = await runInProcess(['campaign', 'validate', campaign.file]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`field "headers.${header}": is set by mailshot itself: `);
      expect(refused.stderr).toContain(advice);
    }
  });
});

describe("cc and bcc through the providers' APIs", () => {
  let google: GmailSimulator | undefined;
  let graph: GraphTestServer | undefined;
  afterEach(async () => {
    await google?.close();
    await graph?.close();
    google = graph = undefined;
  });

  test('Gmail: the raw message carries Bcc (Gmail sends to To, Cc and Bcc), the delivered copy does not; every line ends in CRLF', async () => {
    google = await startGmailSimulator();
    const env = googleEnv(google, await fileSecretsEnv());
    await linkGoogle(google, env, 'gmail');
    const campaign = await writeCampaign({ csv, fields: { ...copies, via: 'gmail' } });
    await send(campaign, env);
    expect(google.accepted).toHaveLength(2);
    const ann = google.accepted.find((message) => message.recipients.to[0] === 'ann@example.com')!;
    expect(ann.recipients).toMatchObject({
      to: ['ann@example.com'],
      cc: ['mia@example.com', 'leo@example.com'],
      bcc: ['archive@example.com'],
    });
    for (const message of google.accepted) {
      expect(bareLineEnds(message.raw)).toEqual([]);
      const delivered = await simpleParser(message.recipients.delivered);
      expect(delivered.headers.has('bcc')).toBe(false);
      expect(message.recipients.delivered.toString('latin1')).not.toContain('archive@');
    }
    expect(addressesOf((await simpleParser(ann.recipients.delivered)).cc)).toEqual(['mia@example.com', 'leo@example.com']);
  });

  test('Graph: the MIME carries Bcc (Exchange sends to To, Cc and Bcc), the delivered copy does not; every line ends in CRLF', async () => {
    graph = await startGraphServer();
    const env = await graphEnv(graph);
    const linked = await runCli(['accounts', 'add', 'microsoft', 'work', '--client-id', testClientId, '--device-code'], { env });
    expect(linked.code).toBe(0);
    const campaign = await writeCampaign({ csv, fields: { ...copies, via: 'work', from: `Megan <${graph.address}>` } });
    await send(campaign, env);
    expect(graph.received).toHaveLength(2);
    const bob = graph.received.find((message) => message.to[0] === 'bob@example.com')!;
    expect(bob.recipients).toMatchObject({ to: ['bob@example.com'], cc: [], bcc: ['archive@example.com'] });
    for (const message of graph.received) {
      expect(bareLineEnds(message.raw)).toEqual([]);
      expect((await simpleParser(message.recipients.delivered)).headers.has('bcc')).toBe(false);
    }
  });

  test('Graph counts every recipient against its daily limit: 2 messages of 2 recipients fit a limit of 4, the third pauses', async () => {
    graph = await startGraphServer({ dailyLimit: 4, quotaRetryAfter: '3600' });
    const env = await graphEnv(graph);
    expect(
      (
        await runCli(['accounts', 'add', 'microsoft', 'work', '--client-id', testClientId, '--device-code', '--daily-limit', '100'], {
          env,
        })
      ).code,
    ).toBe(0);
    const campaign = await writeCampaign({
      csv: 'email,name\na@example.com,A\nb@example.com,B\nc@example.com,C\n',
      fields: { bcc: 'archive@example.com', via: 'work', from: graph.address },
    });
    const result = await runCli(['campaign', 'send', campaign.file], { env });
    expect(result.code).toBe(75);
    expect(graph.received).toHaveLength(2);
    expect(graph.refusals.map((refusal) => refusal.code)).toContain('ErrorExceededMessageLimit');
  });
});
