import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { runCli, writeCampaign, type CampaignFixture } from './helpers/cli.js';
import { reportJson } from './helpers/report.js';
import { journalFile } from './helpers/journal.js';
import { runInProcess } from './helpers/in-process.js';

interface Sent {
  raw: string;
  mail: ParsedMail;
  /** The header section of the raw message, lines unfolded. */
  headerLines: string[];
}

function addressesOf(field: AddressObject | AddressObject[] | undefined): { name: string; address?: string }[] {
  return (Array.isArray(field) ? field : field ? [field] : []).flatMap((object) => object.value);
}

function unfoldedHeaderLines(raw: string): string[] {
  const head = raw.slice(0, raw.search(/\r?\n\r?\n/));
  return head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
}

/** Reads every .eml of the outbox, keyed by the lower-cased To address. */
async function outbox(campaign: CampaignFixture): Promise<Map<string, Sent>> {
  const messages = new Map<string, Sent>();
  for (const file of await readdir(campaign.outbox)) {
    const raw = await readFile(path.join(campaign.outbox, file), 'utf8');
    const mail = await simpleParser(raw);
    const [to] = addressesOf(mail.to);
    messages.set(to.address!.toLowerCase(), { raw, mail, headerLines: unfoldedHeaderLines(raw) });
  }
  return messages;
}

async function send(campaign: CampaignFixture, ...args: string[]) {
  const result = await runCli(['campaign', 'send', campaign.file, ...args]);
  expect(result.stderr).not.toMatch(/^ {4}at /m);
  expect(result.code).toBe(0);
  return result;
}

async function featuresReport(campaign: CampaignFixture, ...args: string[]) {
  return reportJson<{
    totals: Record<string, number>;
    skipped_by_reason: Record<string, number>;
    recipients: { recipient: string; status: string; line?: number; reason?: string }[];
  }>(campaign.file, args);
}

function headerValues(sent: Sent, name: string): string[] {
  const prefix = `${name.toLowerCase()}:`;
  return sent.headerLines.filter((line) => line.toLowerCase().startsWith(prefix)).map((line) => line.slice(prefix.length).trim());
}

describe('recipient lists', () => {
  test('a UTF-8 BOM before the header is ignored', async () => {
    const campaign = await writeCampaign({ csv: Buffer.from('\uFEFFemail,name\nann@example.com,Ann\nbob@example.com,Bob\n', 'utf8') });
    await send(campaign);
    const messages = await outbox(campaign);
    expect([...messages.keys()].sort()).toEqual(['ann@example.com', 'bob@example.com']);
    expect(messages.get('ann@example.com')!.mail.subject).toBe('Hello Ann');
  });

  test.each([
    ['semicolon', ';'],
    ['tab', '\t'],
  ])('a %s-delimited CSV is detected', async (_name, delimiter) => {
    const csv =
      [
        ['email', 'name'],
        ['ann@example.com', 'Ann, Jr.'],
        ['bob@example.com', 'Bob'],
      ]
        .map((row) => row.join(delimiter))
        .join('\n') + '\n';
    const campaign = await writeCampaign({ csv });
    await send(campaign);
    const messages = await outbox(campaign);
    expect(messages.size).toBe(2);
    expect(messages.get('ann@example.com')!.mail.subject).toBe('Hello Ann, Jr.');
    expect(messages.get('bob@example.com')!.mail.subject).toBe('Hello Bob');
  });

  test('header names with spaces around them work, with a warning', async () => {
    const campaign = await writeCampaign({ csv: ' email , name \nann@example.com,Ann\n' });
    const validated = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(validated.code).toBe(0);
    expect(validated.stderr).toMatch(/warning: .*recipients\.csv:1: column name " email " has spaces around it; using "email"/);
    const sent = await send(campaign);
    expect(sent.stderr).toMatch(/warning: .*column name " name " has spaces around it; using "name"/);
    const messages = await outbox(campaign);
    expect(messages.get('ann@example.com')!.mail.subject).toBe('Hello Ann');
  });

  test('duplicates differing only in case are sent once and reported with their line', async () => {
    const campaign = await writeCampaign({
      csv: 'email,name\nann@example.com,Ann\nbob@example.com,Bob\nAnn@Example.COM,Ann again\n BOB@example.com ,Bob again\n',
    });
    const validated = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(validated.stdout).toContain('2 recipient(s) to send');
    expect(validated.stdout).toContain('line 4: duplicate "Ann@Example.COM"');
    await send(campaign);
    const messages = await outbox(campaign);
    expect(messages.size).toBe(2);
    expect(messages.get('ann@example.com')!.mail.subject).toBe('Hello Ann');
    const report = await featuresReport(campaign);
    expect(report.totals).toMatchObject({ sent: 2, skipped: 2 });
    expect(report.skipped_by_reason).toEqual({ duplicate: 2 });
    const skipped = report.recipients.filter((outcome) => outcome.status === 'skipped');
    expect(skipped).toEqual([
      expect.objectContaining({ recipient: 'Ann@Example.COM', reason: 'duplicate', line: 4 }),
      expect.objectContaining({ recipient: 'BOB@example.com', reason: 'duplicate', line: 5 }),
    ]);
  });

  test('invalid addresses are skipped and reported with their line', async () => {
    const campaign = await writeCampaign({
      csv:
        [
          'email,name',
          'ann@example.com,Ann',
          'not-an-address,A',
          'two@example.com other@example.com,B',
          ',Empty',
          'c@localhost,C',
          '"Dee <dee@example.com>",D',
          '"eve@example.com\r\nBcc: evil@example.com",E',
          'bob@example.com,Bob',
        ].join('\n') + '\n',
    });
    await send(campaign);
    const messages = await outbox(campaign);
    // "Dee <dee@example.com>" is the address with its display name, as spreadsheets export it.
    expect([...messages.keys()].sort()).toEqual(['ann@example.com', 'bob@example.com', 'dee@example.com']);
    const report = await featuresReport(campaign);
    expect(report.totals).toMatchObject({ sent: 3, failed: 0, skipped: 5, pending: 0 });
    expect(report.skipped_by_reason).toEqual({ invalid_address: 5 });
    const lines = report.recipients
      .filter((outcome) => outcome.reason === 'invalid_address')
      .map((outcome) => [outcome.line, outcome.recipient]);
    expect(lines).toEqual([
      [3, 'not-an-address'],
      [4, 'two@example.com other@example.com'],
      [5, ''],
      [6, 'c@localhost'],
      [8, 'eve@example.com\r\nBcc: evil@example.com'],
    ]);
    const table = await runInProcess(['report', campaign.file]);
    expect(table.stdout).toContain('line 3: not-an-address');
    // a cell's line break or terminal escape is shown, not acted on
    expect(table.stdout).toContain('line 8: eve@example.com\\r\\nBcc: evil@example.com');
    expect(table.stdout).not.toMatch(/[\r\u001b]/);
  });
});

describe('message content', () => {
  test('UTF-8 and emoji in names and subject are encoded and decode back', async () => {
    const campaign = await writeCampaign({
      fields: { subject: 'Grüße, {{ name }} 🎉 — naïve café', to_name: '{{ name }} ({{ city }})' },
      csv: 'email,name,city\nzoe@example.com,Zoë 🚀 Łukasz,Zürich\nbob@example.com,Bob,東京\n',
    });
    await send(campaign);
    const messages = await outbox(campaign);
    const zoe = messages.get('zoe@example.com')!;
    expect(zoe.mail.subject).toBe('Grüße, Zoë 🚀 Łukasz 🎉 — naïve café');
    expect(addressesOf(zoe.mail.to)).toEqual([{ name: 'Zoë 🚀 Łukasz (Zürich)', address: 'zoe@example.com' }]);
    expect(zoe.mail.text).toContain('Zoë 🚀 Łukasz');
    expect(zoe.mail.html).toContain('Zoë 🚀 Łukasz');
    expect(addressesOf(messages.get('bob@example.com')!.mail.to)[0].name).toBe('Bob (東京)');
    // Non-ASCII header text travels as RFC 2047 encoded words: the header section is plain ASCII.
    for (const sent of messages.values()) expect(sent.headerLines.join('\n')).toMatch(/^[\x20-\x7e\n]*$/);
  });

  test('CR/LF in merge values cannot inject a header (subject, to_name, custom header, unsubscribe URL)', async () => {
    const campaign = await writeCampaign({
      yaml:
        [
          'name: Injection',
          'from: "Sender <sender@example.com>"',
          'subject: "Hello {{ name }}"',
          'to_name: "{{ name }}"',
          'markdown: body.md',
          'recipients: recipients.csv',
          'headers:',
          '  X-Tag: "{{ tag }}"',
          'list_unsubscribe:',
          '  url: "https://example.com/unsubscribe?id={{ tag }}"',
        ].join('\n') + '\n',
      markdown: 'A message with no merge values.\n',
      csv:
        [
          'email,name,tag',
          'crlf@example.com,"Ann\r\nBcc: evil@example.com","t1\r\nBcc: evil@example.com"',
          'lf@example.com,"Bob\nBcc: evil@example.com\nX-Evil: 1","t2\nBcc: evil@example.com"',
          'cr@example.com,"Cy\rBcc: evil@example.com","t3\rBcc: evil@example.com"',
          'fold@example.com,"Di\r\n Bcc: evil@example.com","t4\r\n\r\nbody starts here"',
        ].join('\r\n') + '\r\n',
    });
    await send(campaign);
    const messages = await outbox(campaign);
    expect([...messages.keys()].sort()).toEqual(['cr@example.com', 'crlf@example.com', 'fold@example.com', 'lf@example.com']);
    const expectedHeaders = [
      'content-type',
      'date',
      'from',
      'list-unsubscribe',
      'list-unsubscribe-post',
      'message-id',
      'mime-version',
      'subject',
      'to',
      'x-tag',
    ];
    for (const [address, sent] of messages) {
      expect(sent.mail.bcc).toBeUndefined();
      expect(sent.mail.headers.has('bcc')).toBe(false);
      expect(sent.mail.headers.has('x-evil')).toBe(false);
      // mailparser folds the List-* headers into one "list" entry.
      expect([...sent.mail.headers.keys()].sort()).toEqual([
        'content-type',
        'date',
        'from',
        'list',
        'message-id',
        'mime-version',
        'subject',
        'to',
        'x-tag',
      ]);
      expect(addressesOf(sent.mail.to).map((to) => to.address)).toEqual([address]);
      expect(sent.mail.subject).not.toMatch(/[\r\n]/);
      expect(sent.mail.subject).toContain('evil@example.com');
      expect(sent.raw).not.toMatch(/^bcc:/im);
      expect(sent.raw).not.toMatch(/^x-evil:/im);
      expect(sent.headerLines.map((line) => line.slice(0, line.indexOf(':')).toLowerCase()).sort()).toEqual(expectedHeaders);
      expect(sent.mail.text).toContain('A message with no merge values.');
      expect(sent.mail.text).not.toContain('body starts here');
      expect(headerValues(sent, 'X-Tag')).toHaveLength(1);
      expect(headerValues(sent, 'X-Tag')[0]).toMatch(/^t\d Bcc: evil@example\.com$|^t4 body starts here$/);
    }
  });

  test('attachments: a fixed file and a templated path, content unchanged', async () => {
    const binary = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
    const campaign = await writeCampaign({
      fields: { attachments: ['files/guide.bin', 'files/{{ name }}.txt'] },
      files: { 'files/guide.bin': binary, 'files/Ann.txt': 'for Ann ✓\n', 'files/Bob.txt': 'for Bob\n' },
    });
    await send(campaign);
    const messages = await outbox(campaign);
    for (const [address, name] of [
      ['ann@example.com', 'Ann'],
      ['bob@example.com', 'Bob'],
    ]) {
      const { attachments } = messages.get(address)!.mail;
      expect(attachments.map((attachment) => attachment.filename)).toEqual(['guide.bin', `${name}.txt`]);
      expect(attachments[0].content.equals(binary)).toBe(true);
      expect(attachments[1].content.equals(await readFile(path.join(campaign.dir, `files/${name}.txt`)))).toBe(true);
    }
  });

  test('list_unsubscribe with an https URL adds one-click List-Unsubscribe-Post', async () => {
    const campaign = await writeCampaign({
      fields: {
        list_unsubscribe: { url: 'https://example.com/unsubscribe?u={{ email | url_encode }}', mailto: 'unsubscribe@example.com' },
      },
    });
    await send(campaign);
    const ann = (await outbox(campaign)).get('ann@example.com')!;
    expect(headerValues(ann, 'List-Unsubscribe')).toEqual([
      '<https://example.com/unsubscribe?u=ann%40example.com>, <mailto:unsubscribe@example.com>',
    ]);
    expect(headerValues(ann, 'List-Unsubscribe-Post')).toEqual(['List-Unsubscribe=One-Click']);
  });

  test('list_unsubscribe with only mailto has no List-Unsubscribe-Post', async () => {
    const campaign = await writeCampaign({ fields: { list_unsubscribe: { mailto: 'unsubscribe+{{ name }}@example.com' } } });
    await send(campaign);
    const messages = await outbox(campaign);
    expect(headerValues(messages.get('bob@example.com')!, 'List-Unsubscribe')).toEqual(['<mailto:unsubscribe+Bob@example.com>']);
    for (const sent of messages.values()) {
      expect(headerValues(sent, 'List-Unsubscribe-Post')).toEqual([]);
      expect(sent.mail.headers.has('list-unsubscribe-post')).toBe(false);
    }
  });

  test('list_unsubscribe with a plain http URL has no one-click header', async () => {
    const campaign = await writeCampaign({ fields: { list_unsubscribe: { url: 'http://example.com/u/{{ name }}' } } });
    await send(campaign);
    const ann = (await outbox(campaign)).get('ann@example.com')!;
    expect(headerValues(ann, 'List-Unsubscribe')).toEqual(['<http://example.com/u/Ann>']);
    expect(headerValues(ann, 'List-Unsubscribe-Post')).toEqual([]);
  });

  test('| default: fills an empty cell', async () => {
    const campaign = await writeCampaign({
      fields: { subject: 'Hello {{ name | default: "friend" }}' },
      markdown: 'Dear {{ name | default: "reader" }},\n',
      csv: 'email,name\nann@example.com,\nbob@example.com,Bob\n',
    });
    await send(campaign);
    const messages = await outbox(campaign);
    expect(messages.get('ann@example.com')!.mail.subject).toBe('Hello friend');
    expect(messages.get('ann@example.com')!.mail.text).toContain('Dear reader,');
    expect(messages.get('bob@example.com')!.mail.subject).toBe('Hello Bob');
    expect(messages.get('bob@example.com')!.mail.text).toContain('Dear Bob,');
  });

  test('Markdown becomes the HTML part, with a text/plain alternative', async () => {
    const campaign = await writeCampaign({
      markdown: '# Welcome {{ name }}\n\nHi **{{ name }}**, see [our site](https://example.com/).\n\n- one\n- two\n',
    });
    await send(campaign);
    const ann = (await outbox(campaign)).get('ann@example.com')!;
    expect(ann.raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(ann.raw).toMatch(/Content-Type: text\/plain; charset=utf-8/);
    expect(ann.raw).toMatch(/Content-Type: text\/html; charset=utf-8/);
    expect(ann.mail.html).toContain('<h1>Welcome Ann</h1>');
    expect(ann.mail.html).toContain('<strong>Ann</strong>');
    expect(ann.mail.html).toContain('<a href="https://example.com/">our site</a>');
    expect(ann.mail.text).toContain('Welcome Ann');
    expect(ann.mail.text).toContain('Hi Ann, see our site [https://example.com/]');
    expect(ann.mail.text).not.toMatch(/<[a-z]|\*\*/);
  });

  test('the HTML part escapes markup from a CSV value; the text part and subject keep it literally', async () => {
    const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,"<script>alert(""x"")</script> & co"\n' });
    await send(campaign);
    const ann = (await outbox(campaign)).get('ann@example.com')!;
    expect(ann.mail.html).not.toContain('<script>');
    expect(ann.mail.html).toContain('&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co');
    expect(ann.mail.text).toContain('Hi <script>alert("x")</script> & co,');
    expect(ann.mail.subject).toBe('Hello <script>alert("x")</script> & co');
  });
});

describe('Message-ID', () => {
  test('is per recipient, and a recipient resent after a crash gets the same one', async () => {
    const campaign = await writeCampaign();
    await send(campaign);
    const first = await outbox(campaign);
    const ids = new Map([...first].map(([address, sent]) => [address, sent.mail.messageId!]));
    expect(ids.get('ann@example.com')).toMatch(/^<[0-9a-f]{32}@example\.com>$/);
    expect(ids.get('ann@example.com')).not.toBe(ids.get('bob@example.com'));

    // Simulate a crash after Ann was handed to the outbox but before her outcome was recorded.
    const journalPath = journalFile(campaign.stateDir);
    const journal = (await readFile(journalPath, 'utf8')).split('\n').filter(Boolean);
    const annSent = journal.filter(
      (line) => (JSON.parse(line) as { ev: string; to?: string }).ev === 'sent' && line.includes('"to":"ann@example.com"'),
    );
    expect(annSent).toHaveLength(1);
    await writeFile(
      journalPath,
      journal
        .filter((line) => line !== annSent[0])
        .map((line) => line + '\n')
        .join(''),
    );
    const stateFile = path.join(campaign.stateDir, 'state.json');
    // the snapshot of the crashed run was written before Ann's outcome, when the journal was as long as it is now
    await writeFile(
      stateFile,
      JSON.stringify({
        ...JSON.parse(await readFile(stateFile, 'utf8')),
        status: 'running',
        journalBytes: (await readFile(journalPath)).length,
      }),
    );
    const statusBefore = JSON.parse((await runInProcess(['campaign', 'status', campaign.file, '--json'])).stdout);
    expect(statusBefore.totals).toMatchObject({ sent: 1, in_doubt: 1 });
    await rm(campaign.outbox, { recursive: true });

    const resumed = await runCli(['campaign', 'resume', campaign.file]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('sent 1');
    const resent = await readdir(campaign.outbox);
    expect(resent).toHaveLength(1);
    expect((await simpleParser(await readFile(path.join(campaign.outbox, resent[0])))).messageId).toBe(ids.get('ann@example.com'));

    // Another campaign state (a new campaign) gives the same recipient another Message-ID.
    const other = path.join(campaign.dir, 'other-state');
    expect((await runCli(['campaign', 'send', campaign.file, '--state', other])).code).toBe(0);
    const otherIds = await Promise.all(
      (await readdir(path.join(other, 'outbox'))).map(
        async (file) => (await simpleParser(await readFile(path.join(other, 'outbox', file)))).messageId,
      ),
    );
    expect(otherIds).toHaveLength(2);
    expect(otherIds).not.toContain(ids.get('ann@example.com'));
    expect(otherIds).not.toContain(ids.get('bob@example.com'));
  });
});

describe('preview, report and status', () => {
  test('preview --row 2 prints the second recipient', async () => {
    const campaign = await writeCampaign();
    const preview = await runInProcess(['campaign', 'preview', campaign.file, '--row', '2']);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain('To: bob@example.com');
    expect(preview.stdout).toContain('Subject: Hello Bob');
    expect(preview.stdout).not.toContain('Ann');
    const raw = await runInProcess(['campaign', 'preview', campaign.file, '--row', '2', '--raw']);
    const mail = await simpleParser(raw.stdout);
    expect(mail.subject).toBe('Hello Bob');
    expect(mail.html).toContain('<strong>Bob</strong>');
    expect(await readdir(campaign.dir)).not.toContain('.mailshot');
  });

  test('report --format csv has a header row and one row per recipient', async () => {
    const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\nbob@example.com,Bob\nANN@example.com,Dup\nnope,Bad\n' });
    await send(campaign);
    const report = await runInProcess(['report', campaign.file, '--format', 'csv']);
    expect(report.code).toBe(0);
    const rows = parseCsv(report.stdout) as string[][];
    expect(rows[0]).toEqual([
      'recipient',
      'status',
      'line',
      'reason',
      'code',
      'detail',
      'at',
      'cc',
      'bcc',
      'refused_copies',
      'after_delivery',
      'after_status',
      'after_detail',
      'after_at',
    ]);
    const body = rows.slice(1).map(([recipient, status, line, reason]) => [recipient, status, line, reason]);
    expect(body).toHaveLength(4);
    expect(body).toEqual(
      expect.arrayContaining([
        ['ann@example.com', 'sent', '2', ''],
        ['bob@example.com', 'sent', '3', ''],
        ['ANN@example.com', 'skipped', '4', 'duplicate'],
        ['nope', 'skipped', '5', 'invalid_address'],
      ]),
    );
  });

  test('report --failed prints only failures; status --json has integer totals', async () => {
    const campaign = await writeCampaign({
      fields: { list_unsubscribe: { url: '{{ unsub }}' } },
      csv: 'email,name,unsub\nann@example.com,Ann,https://example.com/u/ann\nbob@example.com,Bob,not a url\ncy@example.com,Cy,https://example.com/u/cy\n',
    });
    await send(campaign);
    expect(await readdir(campaign.outbox)).toHaveLength(2);

    const failedJson = await featuresReport(campaign, '--failed');
    expect(failedJson.recipients).toEqual([expect.objectContaining({ recipient: 'bob@example.com', status: 'failed' })]);
    const failedCsv = parseCsv((await runInProcess(['report', campaign.file, '--format', 'csv', '--failed'])).stdout) as string[][];
    expect(failedCsv.slice(1).map((row) => [row[0], row[1]])).toEqual([['bob@example.com', 'failed']]);
    expect(failedCsv[1][5]).toContain('list_unsubscribe.url');
    const failedTable = await runInProcess(['report', campaign.file, '--failed']);
    expect(failedTable.stdout).toContain('bob@example.com');
    expect(failedTable.stdout).not.toContain('ann@example.com');

    const all = await featuresReport(campaign);
    expect(all.recipients.map((outcome) => outcome.status).sort()).toEqual(['failed', 'sent', 'sent']);

    const status = await runInProcess(['campaign', 'status', campaign.file, '--json']);
    expect(status.code).toBe(0);
    const { totals } = JSON.parse(status.stdout) as { totals: Record<string, unknown> };
    for (const key of ['sent', 'failed', 'skipped', 'pending', 'in_doubt']) expect(Number.isInteger(totals[key])).toBe(true);
    expect(totals).toMatchObject({ sent: 2, failed: 1, skipped: 0, pending: 0, in_doubt: 0 });
    expect(totals).toEqual(all.totals);
  });
});
