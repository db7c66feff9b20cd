import path from 'node:path';
import { runCli, tempDir, writeCampaign } from './helpers/cli.js';
import { runInProcess } from './helpers/in-process.js';

describe('messages that say what to change', () => {
  test('a missing attachment is named by its own path', async () => {
    const campaign = await writeCampaign({ fields: { attachments: ['docs/leaflet.pdf'] } });
    const { code, stderr } = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      `mailshot: ${path.join(campaign.dir, 'docs/leaflet.pdf')}: cannot read this attachment (field "attachments" of campaign.yaml)`,
    );
  });

  test('an unknown variable in body.html gives the line it is on; a Markdown body too', async () => {
    const html = await writeCampaign({
      fields: { markdown: undefined, html: 'body.html' },
      files: { 'body.html': '<p>Hi {{ name }}</p>\n\n<p>{{ nickname }}</p>\n' },
    });
    const fromHtml = await runInProcess(['campaign', 'validate', html.file]);
    expect(fromHtml.code).toBe(2);
    expect(fromHtml.stderr).toContain(
      'body.html:3: uses the variable "nickname", but recipients.csv has no such column (columns: email, name)',
    );
    const markdown = await writeCampaign({ markdown: '# Hello\n\nDear {{ name }},\n\n* {{ nickname }}\n' });
    expect((await runInProcess(['campaign', 'validate', markdown.file])).stderr).toContain('body.md:5: uses the variable "nickname"');
    const json = JSON.parse((await runInProcess(['campaign', 'validate', html.file, '--json'])).stderr);
    expect(json.error).toMatchObject({ code: 2, file: 'body.html', line: 3 });
  });

  test('a column with a space gets the bracket form as the fix', async () => {
    const campaign = await writeCampaign({
      csv: 'email,First Name\nann@example.com,Ann\n',
      fields: { subject: 'Hello {{ First Name }}' },
      markdown: 'Hi\n',
    });
    const { code, stderr } = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(code).toBe(2);
    expect(stderr).toContain('uses the variable "First"');
    expect(stderr).toContain('the column "First Name" has a space in its name: write it as {{ row["First Name"] }}');
    const fixed = await writeCampaign({
      csv: 'email,First Name\nann@example.com,Ann\n',
      fields: { subject: 'Hello {{ ["First Name"] }}' },
      markdown: 'Hi {{ ["First Name"] }}\n',
    });
    expect((await runInProcess(['campaign', 'preview', fixed.file])).stdout).toContain('Subject: Hello Ann');
  });

  test('the secrets-file warning is given once, also after the last account was removed', async () => {
    const env = { MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-'), MAILSHOT_SECRET_STORE: 'file' };
    const add = (name: string) =>
      runCli(['accounts', 'add', 'smtp', name, '--host', 'smtp.example.com', '--user', 'u', '--password-stdin'], { env, input: 'pw\n' });
    const first = await add('a');
    expect(first.stderr).toContain('MAILSHOT_SECRET_STORE=file; secrets are kept in');
    expect((await add('b')).stderr).not.toContain('secrets are kept in');
    await runCli(['accounts', 'remove', 'a'], { env });
    await runCli(['accounts', 'remove', 'b'], { env });
    expect((await add('c')).stderr).not.toContain('secrets are kept in');
  });

  test('help: the state folder is named after the file; --per-connection only where it means something', async () => {
    const send = await runCli(['campaign', 'send', '--help']);
    expect(send.stdout.replace(/\s+/g, ' ')).toContain(
      'default: .mailshot/<campaign file name>/ beside the campaign file, e.g. .mailshot/campaign.yaml/',
    );
    for (const kind of ['google', 'microsoft'])
      expect((await runCli(['accounts', 'add', kind, '--help'])).stdout).not.toContain('--per-connection');
    expect((await runCli(['accounts', 'add', 'smtp', '--help'])).stdout).toContain('--per-connection');
    const refused = await runCli(['accounts', 'add', 'google', 'g', '--client-id', 'x', '--per-connection', '5']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("unknown option '--per-connection'");
  });
});
