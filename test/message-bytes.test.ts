import { runCli, writeCampaign, type CampaignFixture } from './helpers/cli.js';
import { bareLineEnds, outboxMessages } from './helpers/messages.js';
import { runInProcess } from './helpers/in-process.js';

async function sendToOutbox(campaign: CampaignFixture) {
  const result = await runCli(['campaign', 'send', campaign.file]);
  expect(result.stderr).not.toMatch(/unexpected error|^ {4}at /m);
  expect(result.code).toBe(0);
  return outboxMessages(campaign);
}

describe('line endings', () => {
  test('every line of every composed message ends in CRLF, whatever the templates and CSV use', async () => {
    const campaign = await writeCampaign({
      fields: { attachments: ['notes.txt'], text: 'body.txt' },
      markdown: 'Hi {{ name }},\r\nline two\rline three\n\n{{ note }}\r\n',
      files: { 'body.txt': 'Hi {{ name }}\r\n\r\n{{ note }}\n\rend\r', 'notes.txt': 'unix\nmac\rwindows\r\n' },
      csv: 'email,name,note\r\nann@example.com,Ann,"one\ntwo\rthree\r\nfour"\r\nbob@example.com,Bob,plain\r\n',
    });
    const messages = await sendToOutbox(campaign);
    expect(messages.size).toBe(2);
    for (const { raw, mail } of messages.values()) {
      expect(bareLineEnds(raw)).toEqual([]);
      expect(mail.text).toBeDefined();
      expect(mail.html).toBeDefined();
    }
    expect(messages.get('ann@example.com')!.mail.text).toContain('one\ntwo\nthree\nfour');
  });
});

describe('text attachments say their charset', () => {
  test('UTF-8 text is text/plain; charset=utf-8; text in another charset goes as application/octet-stream', async () => {
    const campaign = await writeCampaign({
      fields: { attachments: ['getting-started.txt', 'legacy.txt', 'data.csv'] },
      files: {
        'getting-started.txt': 'Opening hours — Monday to Friday\n',
        'legacy.txt': Buffer.from('Ren\xe9e\n', 'latin1'),
        'data.csv': 'a,b\nü,ß\n',
      },
    });
    const ann = (await sendToOutbox(campaign)).get('ann@example.com')!;
    const types = Object.fromEntries(
      ann.mail.attachments.map((attachment) => [attachment.filename, attachment.headers.get('content-type')]),
    );
    expect(types['getting-started.txt']).toEqual({ value: 'text/plain', params: { charset: 'utf-8', name: 'getting-started.txt' } });
    expect(types['data.csv']).toEqual({ value: 'text/csv', params: { charset: 'utf-8', name: 'data.csv' } });
    expect(types['legacy.txt']).toEqual({ value: 'application/octet-stream', params: { name: 'legacy.txt' } });
    const utf8 = ann.mail.attachments.find((attachment) => attachment.filename === 'getting-started.txt')!;
    expect(utf8.content.toString('utf8')).toBe('Opening hours — Monday to Friday\n');
  });
});

describe('attachment paths that cannot name a file', () => {
  test('a templated path that renders empty for a row names the row, not "a folder"', async () => {
    const campaign = await writeCampaign({
      fields: { attachments: ['{{ invoice }}'] },
      csv: 'email,name,invoice\nann@example.com,Ann,a.txt\nbob@example.com,Bob,\n',
      files: { 'a.txt': 'invoice' },
    });
    const result = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('campaign.yaml: field "attachments": the path is empty for the recipient on line 3 of recipients.csv');
    expect(result.stderr).not.toContain('folder');
  });

  test.each([['~/invoice.pdf'], ['~']])('%s is refused: write the path relative to the campaign or absolute', async (attachment) => {
    const campaign = await writeCampaign({ fields: { attachments: [attachment] } });
    const result = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${attachment}: "~" is not expanded; write the path relative to the campaign or absolute`);
  });
});
