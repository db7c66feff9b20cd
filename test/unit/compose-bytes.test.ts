import { randomBytes } from 'node:crypto';
import { MessageComposer } from '../../src/campaign/compose.js';
import { prepareCampaign, recipientsOf } from '../../src/campaign/prepare.js';
import { isRecipient } from '../../src/campaign/recipients.js';
import { writeCampaign, type CampaignFixture } from '../helpers/cli.js';
import { pngOf } from '../helpers/png.js';
import { campaignOf, describeShape, shapes } from '../helpers/shapes.js';

// mailshot writes nodemailer's MIME tree out synchronously (src/campaign/mime-serialise.ts). Every message
// must be byte for byte what nodemailer's own stream writer (MimeNode.build) makes of the same tree.

/** The Date header is the time of composition: the one thing two compositions may differ in. */
const withoutDate = (raw: Buffer) => raw.toString('latin1').replace(/^Date: .*\r\n/m, 'Date: (normalised)\r\n');

async function expectSameBytes({ file }: CampaignFixture): Promise<number> {
  const campaign = await prepareCampaign(file);
  const composer = new MessageComposer(campaign.definition, 'campaign-id');
  let compared = 0;
  for await (const row of recipientsOf(campaign)) {
    if (!isRecipient(row)) continue;
    const parts = campaign.templates.render(row.fields);
    const ours = (await composer.compose(row, parts)).raw;
    const reference = await (await composer.compile(row, parts)).tree.build();
    expect(withoutDate(ours)).toBe(withoutDate(reference));
    // and again: attachments come from the encoded cache the second time
    expect(withoutDate((await composer.compose(row, parts)).raw)).toBe(withoutDate(reference));
    compared++;
  }
  return compared;
}

describe('composed messages are byte-identical to nodemailer’s build', () => {
  test.each(shapes().map((shape) => [describeShape(shape), shape] as const))('%s', async (_label, shape) => {
    expect(await expectSameBytes(await campaignOf(shape))).toBe(3);
  });

  test('inline images, copies, a large binary attachment, non-ASCII and long lines with trailing spaces', async () => {
    const long = `${'Grüße und ein sehr langer Satz ohne Ende '.repeat(8)}   \n\ttab line \t\n`;
    const fixture = await writeCampaign({
      yaml: [
        'name: Bytes',
        'from: "Sénder <sender@example.org>"',
        'subject: "Ça va {{ name }}? {{ note }}"',
        'markdown: body.md',
        'text: body.txt',
        'recipients: recipients.csv',
        'cc: "{{ manager }}"',
        'bcc: ["Archive <archive@example.com>"]',
        'attachments: [files/blob.bin, files/notes.txt, images/logo.png]',
        'headers: { X-Note: "{{ note }}" }',
      ].join('\n'),
      csv:
        'email,name,note,manager\nann@example.com,Ännchen,"long ' +
        'x'.repeat(120) +
        '",mia@example.com\nbob@bücher.example,Bob,=20 literally,leo@example.com\n',
      markdown: `Hi **{{ name }}**\n\n![Logo](images/logo.png)\n\n${long}\n<div style="background-image: url('images/banner.png')">b</div>\n`,
      files: {
        'body.txt': `Hi {{ name }}\r\n${long}\r\nbare\rCR and = signs == end `,
        'files/blob.bin': randomBytes(200_000),
        'files/notes.txt': 'line one\nline two with trailing space \n',
        'images/logo.png': pngOf(10, 20, 30),
        'images/banner.png': pngOf(200, 100, 50),
      },
    });
    expect(await expectSameBytes(fixture)).toBe(2);
  });

  test('text + HTML without attachments (built without MailComposer): 7bit, quoted-printable and base64 parts side by side', async () => {
    const fixture = await writeCampaign({
      yaml: [
        'name: Parts',
        'from: "Sénder <sender@example.org>"',
        'reply_to: "Replies <replies@example.org>"',
        'subject: "{{ note }}"',
        'html: body.html',
        'text: body.txt',
        'recipients: recipients.csv',
        'cc: "{{ manager }}"',
        'headers: { X-Note: "{{ note }}" }',
        'list_unsubscribe: { url: "https://example.org/u/{{ email }}", mailto: "unsubscribe@example.org" }',
      ].join('\n'),
      csv: [
        'email,note,manager',
        'a@example.com,plain words,',
        'b@example.com,Grüße aus Köln,mia@example.com',
        `c@example.com,${'long line without a break '.repeat(6)},`,
        'd@example.com,Привет из Москвы и всего мира,leo@example.com',
        'e@example.com,more plain words,',
      ].join('\n'),
      files: { 'body.txt': 'Hi\n{{ note }}\n', 'body.html': '<p>{{ note }}</p>\n' },
    });
    const campaign = await prepareCampaign(fixture.file);
    const encodings = new Set<string>();
    const composer = new MessageComposer(campaign.definition, 'campaign-id');
    for await (const row of recipientsOf(campaign)) {
      if (!isRecipient(row)) continue;
      const raw = withoutDate((await composer.compose(row, campaign.templates.render(row.fields))).raw);
      for (const [, encoding] of raw.matchAll(/^Content-Transfer-Encoding: (.*)\r$/gm)) encodings.add(encoding!);
    }
    expect([...encodings].sort()).toEqual(['7bit', 'base64', 'quoted-printable']);
    expect(await expectSameBytes(fixture)).toBe(5);
  });
});
