import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, writeCampaign, type CampaignFixture, type CliResult } from './helpers/cli.js';
import { runInProcess } from './helpers/in-process.js';
import { journalFile } from './helpers/journal.js';

/**
 * Most cases run the program in-process (helpers/in-process.ts): the same parsing, messages and exit codes
 * without a process each. An unknown command and an unreadable file (as another user) run the installed bin.
 *
 * Every bad input: exit 2, one message on stderr that says where the problem is, no stack trace,
 * nothing on stdout, and no state folder (so no journal and no outbox) beside the campaign.
 */
function expectRejected(result: CliResult, fragments: (string | RegExp)[], campaign?: CampaignFixture): void {
  for (const fragment of fragments) {
    if (typeof fragment === 'string') expect(result.stderr).toContain(fragment);
    else expect(result.stderr).toMatch(fragment);
  }
  expect(result.stderr).not.toMatch(/^ {4}at /m);
  expect(result.stderr).not.toMatch(/unexpected error|Warning:/);
  // Commander may add a hint in parentheses: "(run with --help for usage)", "(Did you mean send?)".
  const messages = result.stderr.split('\n').filter((line) => line.trim() && !line.startsWith('('));
  expect(messages).toHaveLength(1);
  expect(result.stdout).toBe('');
  expect(result.code).toBe(2);
  if (campaign) {
    expect(existsSync(path.join(campaign.dir, '.mailshot'))).toBe(false);
    expect(existsSync(campaign.outbox)).toBe(false);
  }
}

const campaignYaml = (lines: string[]) => lines.join('\n') + '\n';
const baseLines = [
  'name: Test',
  'from: "Sender <sender@example.com>"',
  'subject: "Hello {{ name }}"',
  'markdown: body.md',
  'recipients: recipients.csv',
];

describe('command line usage errors', () => {
  let campaign: CampaignFixture;
  beforeAll(async () => {
    campaign = await writeCampaign();
  });

  test('unknown command', async () => {
    expectRejected(await runCli(['frobnicate', campaign.file]), ["unknown command 'frobnicate'"], campaign);
  });

  test('unknown subcommand', async () => {
    expectRejected(await runInProcess(['campaign', 'sned', campaign.file]), ["unknown command 'sned'"], campaign);
  });

  test('unknown option', async () => {
    expectRejected(await runInProcess(['campaign', 'send', campaign.file, '--bogus']), ["unknown option '--bogus'"], campaign);
  });

  test('missing argument', async () => {
    expectRejected(await runInProcess(['campaign', 'send']), ["missing required argument 'file'"]);
    expectRejected(await runInProcess(['report']), ["missing required argument 'file'"]);
  });

  test('option without its value', async () => {
    expectRejected(await runInProcess(['campaign', 'send', campaign.file, '--limit']), ["'--limit <n>' argument missing"], campaign);
  });

  test('--limit -1', async () => {
    expectRejected(await runInProcess(['campaign', 'send', campaign.file, '--limit', '-1']), ['--limit', '"-1"', 'whole number'], campaign);
  });

  test('--limit abc', async () => {
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file, '--limit', 'abc']),
      ['--limit', '"abc"', 'whole number'],
      campaign,
    );
  });

  test('preview --row 0', async () => {
    expectRejected(await runInProcess(['campaign', 'preview', campaign.file, '--row', '0']), ['--row', '"0"', 'at least 1'], campaign);
  });

  test('preview --row out of range', async () => {
    expectRejected(
      await runInProcess(['campaign', 'preview', campaign.file, '--row', '3']),
      ['--row 3', 'out of range', 'recipients.csv has 2 data row'],
      campaign,
    );
  });

  test('report --format of an unknown kind', async () => {
    expectRejected(await runInProcess(['report', campaign.file, '--format', 'xml']), ['--format', '"xml"', 'table, json, csv'], campaign);
  });

  test('resume of a campaign never started', async () => {
    expectRejected(
      await runInProcess(['campaign', 'resume', campaign.file]),
      [campaign.file, 'has not been started', 'campaign send'],
      campaign,
    );
  });
});

describe('missing or unreadable files', () => {
  test('missing campaign file', async () => {
    const campaign = await writeCampaign();
    const missing = path.join(campaign.dir, 'nope.yaml');
    expectRejected(await runInProcess(['campaign', 'send', missing]), [`campaign file ${missing}`, 'no such file'], campaign);
    expect(existsSync(path.join(campaign.dir, '.mailshot'))).toBe(false);
  });

  test('campaign file that is a folder', async () => {
    const campaign = await writeCampaign();
    const folder = path.join(campaign.dir, 'folder.yaml');
    await mkdir(folder);
    expectRejected(await runInProcess(['campaign', 'send', folder]), [`campaign file ${folder}`, 'folder'], campaign);
  });

  // root reads files whatever their mode, so as root the CLI runs as "nobody" to meet a permission error.
  const otherUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  test.each([
    ['campaign file', 'campaign.yaml', 'campaign file'],
    ['CSV', 'recipients.csv', 'recipients file'],
    ['template', 'body.md', 'field "markdown"'],
    ['attachment', 'files/guide.txt', 'field "attachments"'],
  ])('unreadable %s (chmod 000)', async (_name, file, fragment) => {
    const campaign = await writeCampaign({ fields: { attachments: ['files/guide.txt'] }, files: { 'files/guide.txt': 'guide' } });
    await chmod(campaign.dir, 0o777);
    await chmod(path.join(campaign.dir, 'files'), 0o777);
    await chmod(path.join(campaign.dir, file), 0o000);
    const result = await runCli(['campaign', 'send', campaign.file], otherUser);
    expectRejected(result, [path.join(campaign.dir, file), fragment, 'permission denied'], campaign);
  });

  test('missing CSV', async () => {
    const campaign = await writeCampaign({ fields: { recipients: 'people.csv' } });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      [path.join(campaign.dir, 'people.csv'), 'recipients', 'no such file'],
      campaign,
    );
  });

  test('CSV that is a folder', async () => {
    const campaign = await writeCampaign({ fields: { recipients: 'lists' } });
    await mkdir(path.join(campaign.dir, 'lists'));
    expectRejected(await runInProcess(['campaign', 'send', campaign.file]), [path.join(campaign.dir, 'lists'), 'folder'], campaign);
  });

  test('attachment that is a folder', async () => {
    const campaign = await writeCampaign({ fields: { attachments: ['files'] }, files: { 'files/a.txt': 'a' } });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      [path.join(campaign.dir, 'files'), 'field "attachments"', 'folder'],
      campaign,
    );
  });

  test('missing template file', async () => {
    const campaign = await writeCampaign({ fields: { markdown: 'welcome.md' } });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      [path.join(campaign.dir, 'welcome.md'), 'field "markdown"', 'no such file'],
      campaign,
    );
  });

  test('missing attachment file', async () => {
    const campaign = await writeCampaign({ fields: { attachments: ['files/guide.pdf'] } });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      [path.join(campaign.dir, 'files/guide.pdf'), 'field "attachments"', 'campaign.yaml', 'no such file'],
      campaign,
    );
  });

  test('templated attachment path missing for one recipient', async () => {
    const campaign = await writeCampaign({ fields: { attachments: ['files/{{ name }}.txt'] }, files: { 'files/Ann.txt': 'for Ann' } });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      [path.join(campaign.dir, 'files/Bob.txt'), 'field "attachments"', 'line 3 of recipients.csv'],
      campaign,
    );
  });
});

describe('invalid campaign file', () => {
  test('YAML syntax error names the line', async () => {
    const lines = [...baseLines];
    lines[2] = 'subject: "Hello" {{ name }}';
    const campaign = await writeCampaign({ yaml: campaignYaml(lines) });
    expectRejected(await runInProcess(['campaign', 'send', campaign.file]), [`${campaign.file}:3:`, 'YAML syntax error'], campaign);
  });

  test('tab indentation names the line', async () => {
    const campaign = await writeCampaign({ yaml: campaignYaml([...baseLines, 'headers:', '\tX-Tag: one']) });
    expectRejected(
      await runInProcess(['campaign', 'validate', campaign.file]),
      [`${campaign.file}:7:`, 'YAML syntax error', 'Tabs'],
      campaign,
    );
  });

  test('duplicate field names the line of the second one', async () => {
    const campaign = await writeCampaign({ yaml: campaignYaml([...baseLines, 'subject: again']) });
    expectRejected(await runInProcess(['campaign', 'send', campaign.file]), [`${campaign.file}:6:`, 'unique'], campaign);
  });

  test('unknown field (a typo) names the field and its line', async () => {
    const lines = [...baseLines];
    lines[2] = 'subjct: "Hello {{ name }}"';
    const campaign = await writeCampaign({ yaml: campaignYaml(lines) });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      [`${campaign.file}:3:`, 'field "subjct"', 'unknown field'],
      campaign,
    );
  });

  test('unknown nested field names the path and its line', async () => {
    const campaign = await writeCampaign({ yaml: campaignYaml([...baseLines, 'list_unsubscribe:', '  urll: https://example.com/u']) });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      [`${campaign.file}:7:`, 'field "list_unsubscribe.urll"', 'unknown field'],
      campaign,
    );
  });

  test('mistyped field: attachments: 3', async () => {
    const campaign = await writeCampaign({ yaml: campaignYaml([...baseLines, 'attachments: 3']) });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      [`${campaign.file}:6:`, 'field "attachments"', 'expected array', 'number 3'],
      campaign,
    );
  });

  test('mistyped field: an unquoted {{ }} template is a YAML mapping, not a string', async () => {
    const lines = [...baseLines];
    lines[2] = 'subject: {{ name }}';
    const campaign = await writeCampaign({ yaml: campaignYaml(lines) });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      [`${campaign.file}:3:`, 'field "subject"', 'expected string', 'mapping'],
      campaign,
    );
  });

  test('reserved header in headers', async () => {
    const campaign = await writeCampaign({ yaml: campaignYaml([...baseLines, 'headers:', '  X-Tag: one', '  Bcc: evil@example.com']) });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      [`${campaign.file}:8:`, 'field "headers.Bcc"', 'set by mailshot'],
      campaign,
    );
  });

  test('missing from', async () => {
    const campaign = await writeCampaign({ fields: { from: undefined } });
    expectRejected(await runInProcess(['campaign', 'send', campaign.file]), [campaign.file, 'field "from"', 'required'], campaign);
  });

  test('invalid from address', async () => {
    const campaign = await writeCampaign({
      yaml: campaignYaml(['name: Test', 'from: "Sender <sender at example>"', ...baseLines.slice(2)]),
    });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      [`${campaign.file}:2:`, 'field "from"', 'not a valid address'],
      campaign,
    );
  });

  test('invalid reply_to address', async () => {
    const campaign = await writeCampaign({ yaml: campaignYaml([...baseLines, 'reply_to: "two@example.com, addresses@example.com"']) });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      [`${campaign.file}:6:`, 'field "reply_to"', 'not a valid address'],
      campaign,
    );
  });

  test('missing subject', async () => {
    const campaign = await writeCampaign({ fields: { subject: undefined } });
    expectRejected(await runInProcess(['campaign', 'send', campaign.file]), [campaign.file, 'field "subject"', 'required'], campaign);
  });

  test('missing body', async () => {
    const campaign = await writeCampaign({ fields: { markdown: undefined } });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      [campaign.file, 'body is missing', 'markdown, html or text'],
      campaign,
    );
  });

  test('a campaign file that is not a mapping', async () => {
    const campaign = await writeCampaign({ yaml: '- just\n- a list\n' });
    expectRejected(await runInProcess(['campaign', 'send', campaign.file]), [`${campaign.file}:1:`, 'mapping'], campaign);
  });
});

describe('invalid recipients and templates', () => {
  test('CSV without the email column', async () => {
    const campaign = await writeCampaign({ csv: 'address,name\nann@example.com,Ann\n' });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      [`${path.join(campaign.dir, 'recipients.csv')}:1:`, 'no "email" column', 'found: address, name', 'email_column'],
      campaign,
    );
  });

  test('email_column naming a column that does not exist', async () => {
    const campaign = await writeCampaign({ fields: { email_column: 'address' } });
    expectRejected(await runInProcess(['campaign', 'validate', campaign.file]), ['recipients.csv:1:', 'no "address" column'], campaign);
  });

  test.each([
    ['a quote that is never closed', 'email,name\nann@example.com,"Ann\nbob@example.com,Bob\n', 3, 'never closed'],
    ['a quote in the middle of an unquoted field', 'email,name\nann@example.com,Ann\nbob@example.com,Say "hi"\n', 3, 'must be quoted'],
    ['text after a closing quote', 'email,name\nann@example.com,"Ann"x\n', 2, 'doubled'],
  ])('malformed CSV: %s', async (_name, csv, line, hint) => {
    const campaign = await writeCampaign({ csv });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      [`${path.join(campaign.dir, 'recipients.csv')}:${line}:`, hint],
      campaign,
    );
  });

  test('CSV with no valid recipient', async () => {
    const campaign = await writeCampaign({ csv: 'email,name\nnot-an-address,Ann\n' });
    expectRejected(await runInProcess(['campaign', 'send', campaign.file]), ['recipients.csv', 'no valid recipient'], campaign);
  });

  test('unknown template variable in the subject', async () => {
    const campaign = await writeCampaign({ fields: { subject: 'Hello {{ first_name }}' } });
    for (const command of ['send', 'validate', 'preview']) {
      expectRejected(
        await runInProcess(['campaign', command, campaign.file]),
        ['field "subject"', 'campaign.yaml', '"first_name"', 'recipients.csv has no such column', 'email, name'],
        campaign,
      );
    }
  });

  test('unknown template variable in the Markdown body', async () => {
    const campaign = await writeCampaign({ markdown: 'Dear {{ name }},\n\nyour code is **{{ coupon }}**.\n' });
    expectRejected(await runInProcess(['campaign', 'send', campaign.file]), ['body.md', '"coupon"', 'no such column'], campaign);
  });

  test('unknown template variable in to_name, headers and list_unsubscribe', async () => {
    for (const [field, value, origin] of [
      ['to_name', '{{ nickname }}', 'field "to_name"'],
      ['headers', { 'X-Tag': '{{ nickname }}' }, 'field "headers.X-Tag"'],
      ['list_unsubscribe', { url: 'https://example.com/u/{{ nickname }}' }, 'field "list_unsubscribe.url"'],
    ] as const) {
      const campaign = await writeCampaign({ fields: { [field]: value } });
      expectRejected(await runInProcess(['campaign', 'send', campaign.file]), [origin, '"nickname"'], campaign);
    }
  });

  test('malformed template: {% if %} never closed, with the line in the Markdown file', async () => {
    const campaign = await writeCampaign({ markdown: 'Hello,\n\n{% if name %}Dear {{ name }},\n\nthanks.\n' });
    expectRejected(
      await runInProcess(['campaign', 'send', campaign.file]),
      ['body.md', 'template error', 'not closed', 'line:3'],
      campaign,
    );
  });

  test('malformed template in the subject', async () => {
    const campaign = await writeCampaign({ fields: { subject: 'Hello {{ name ' } });
    expectRejected(await runInProcess(['campaign', 'send', campaign.file]), ['field "subject"', 'template error'], campaign);
  });

  test('unknown filter', async () => {
    const campaign = await writeCampaign({ fields: { subject: 'Hello {{ name | shout }}' } });
    expectRejected(await runInProcess(['campaign', 'send', campaign.file]), ['field "subject"', 'shout'], campaign);
  });
});

describe('bad input leaves an existing campaign untouched', () => {
  test('a resume after the template broke writes nothing to the journal or the outbox', async () => {
    const campaign = await writeCampaign();
    expect((await runInProcess(['campaign', 'send', campaign.file, '--limit', '1'])).code).toBe(75);
    const journal = journalFile(campaign.stateDir);
    const before = await readFile(journal, 'utf8');
    expect(await readdir(campaign.outbox)).toHaveLength(1);
    await writeFile(path.join(campaign.dir, 'body.md'), 'Hi {{ nickname }}\n');
    const result = await runInProcess(['campaign', 'resume', campaign.file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"nickname"');
    expect(await readFile(journal, 'utf8')).toBe(before);
    expect(await readdir(campaign.outbox)).toHaveLength(1);
  });
});
