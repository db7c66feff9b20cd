import { writeCampaign } from './helpers/cli.js';
import { runInProcess } from './helpers/in-process.js';

describe('--json on validate and preview; errors as JSON', () => {
  test('validate --json: the counts and the skipped rows with their lines', async () => {
    const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\nnope,X\nann@example.com,Ann\n' });
    const { code, stdout, stderr } = await runInProcess(['campaign', 'validate', campaign.file, '--json']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({
      file: campaign.file,
      ok: true,
      recipients: 1,
      email_column: 'email',
      blank: 0,
      skipped: 2,
      skipped_by_reason: { invalid_address: 1, duplicate: 1 },
      skipped_rows: [
        { line: 3, reason: 'invalid_address', value: 'nope' },
        { line: 4, reason: 'duplicate', value: 'ann@example.com' },
      ],
    });
  });

  test('preview --json: the rendered parts; with --raw the MIME text', async () => {
    const campaign = await writeCampaign();
    const parts = JSON.parse((await runInProcess(['campaign', 'preview', campaign.file, '--row', '2', '--json'])).stdout);
    expect(parts).toMatchObject({
      to: 'bob@example.com',
      subject: 'Hello Bob',
      text: expect.stringContaining('Hi Bob'),
      html: expect.stringContaining('<strong>Bob</strong>'),
    });
    const raw = JSON.parse((await runInProcess(['campaign', 'preview', campaign.file, '--raw', '--json'])).stdout);
    expect(raw.raw).toContain('Subject: Hello Ann');
  });

  test('an error under --json is one JSON object on stderr, with the file and line it is about', async () => {
    const campaign = await writeCampaign({
      yaml: 'name: x\nfrom: not an address\nsubject: s\nmarkdown: body.md\nrecipients: recipients.csv\n',
    });
    const bad = await runInProcess(['campaign', 'validate', campaign.file, '--json']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    const { error } = JSON.parse(bad.stderr);
    expect(error).toMatchObject({ code: 2, file: campaign.file, line: 2, message: expect.stringContaining('field "from"') });

    const usage = await runInProcess(['campaign', 'status', campaign.file, '--json', '--bogus']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr)).toEqual({ error: { code: 2, message: "unknown option '--bogus'" } });

    const plain = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(plain.stderr).toMatch(/^mailshot: .*campaign\.yaml:2: field "from"/);
  });
});
