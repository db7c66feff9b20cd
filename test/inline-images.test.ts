import { simpleParser, type ParsedMail } from 'mailparser';
import { runCli, writeCampaign, type CampaignFixture } from './helpers/cli.js';
import { bareLineEnds, mimeShape, outboxMessages } from './helpers/messages.js';
import { pngOf } from './helpers/png.js';
import { addAccount, fileSecretsEnv, smtpServersPerTest } from './helpers/smtp.js';
import { runInProcess } from './helpers/in-process.js';

const logo = pngOf(200, 30, 30);
const banner = pngOf(30, 30, 200);

/** The related parts of a parsed message by Content-ID (without <>), and how often each cid: is used in the HTML. */
function inlineParts(mail: ParsedMail) {
  const parts = mail.attachments.filter((attachment) => attachment.related);
  const html = mail.html as string;
  return parts.map((part) => ({
    filename: part.filename,
    contentType: part.contentType,
    cid: part.cid!,
    bytes: part.content,
    usedInHtml: html.split(`cid:${part.cid}`).length - 1,
  }));
}

async function send(campaign: CampaignFixture, env: Record<string, string | undefined> = {}) {
  const result = await runCli(['campaign', 'send', campaign.file], { env });
  expect(result.stderr).not.toMatch(/unexpected error|^ {4}at /m);
  expect(result.code).toBe(0);
  return result;
}

describe('inline images', () => {
  const newSmtpServer = smtpServersPerTest();

  test('a Markdown image and a CSS url() go once each as related parts, by cid:; an image also attached goes once, inline; https: and data: stay', async () => {
    const campaign = await writeCampaign({
      markdown: [
        'Hi {{ name }},',
        '',
        '![Logo](images/logo.png)',
        '',
        '<div style="background-image: url(\'images/banner.png\')">banner</div>',
        '',
        '![Logo again](./images/logo.png) ![remote](https://cdn.example.com/pic.png) ![inline](data:image/gif;base64,R0lGODlhAQABAAAAACw=)',
        '',
      ].join('\n'),
      fields: { attachments: ['guide.txt', 'images/logo.png'] },
      files: { 'images/logo.png': logo, 'images/banner.png': banner, 'guide.txt': 'read me\n' },
    });
    await send(campaign);
    const { raw, mail } = (await outboxMessages(campaign)).get('ann@example.com')!;
    expect(mimeShape(raw)).toBe(
      'multipart/mixed(multipart/alternative(text/plain,multipart/related(text/html,image/png,image/png)),text/plain)',
    );
    expect(bareLineEnds(raw)).toEqual([]);
    const parts = inlineParts(mail);
    expect(mail.attachments.filter((attachment) => attachment.related).map((attachment) => attachment.contentDisposition)).toEqual([
      'inline',
      'inline',
    ]);
    expect(parts.map(({ filename, contentType, usedInHtml }) => ({ filename, contentType, usedInHtml }))).toEqual([
      { filename: 'logo.png', contentType: 'image/png', usedInHtml: 2 },
      { filename: 'banner.png', contentType: 'image/png', usedInHtml: 1 },
    ]);
    expect(parts[0].bytes.equals(logo)).toBe(true);
    expect(parts[1].bytes.equals(banner)).toBe(true);
    expect(mail.html).toContain(`url('cid:${parts[1].cid}')`);
    expect(mail.html).toContain('src="https://cdn.example.com/pic.png"');
    expect(mail.html).toContain('src="data:image/gif;base64,R0lGODlhAQABAAAAACw="');
    expect(mail.html).not.toMatch(/images\/(logo|banner)\.png/);
    // the attachments proper: the guide only (logo.png goes once, inline)
    expect(mail.attachments.filter((attachment) => !attachment.related).map((attachment) => attachment.filename)).toEqual(['guide.txt']);
    expect(mail.text).toContain('Logo');
    expect(mail.text).not.toContain('cid:');
  });

  test('an html: template without attachments: alternative › (text, related › (html, images)), through a real SMTP server', async () => {
    const smtp = await newSmtpServer();
    const env = await fileSecretsEnv();
    await addAccount(env, 'relay', smtp);
    const campaign = await writeCampaign({
      fields: { markdown: undefined, html: 'body.html', via: 'relay' },
      files: {
        'body.html': '<p>Hi {{ name }}</p>\n<img src="logo.png" alt="Logo">\n<td style="background:url(banner.png)">x</td>\n',
        'logo.png': logo,
        'banner.png': banner,
      },
    });
    await send(campaign, env);
    expect(smtp.received).toHaveLength(2);
    for (const message of smtp.received) {
      expect(mimeShape(message.raw)).toBe('multipart/alternative(text/plain,multipart/related(text/html,image/png,image/png))');
      const mail = await simpleParser(message.raw, { keepCidLinks: true });
      const parts = inlineParts(mail);
      expect(parts.map((part) => part.usedInHtml)).toEqual([1, 1]);
      expect(parts[0].bytes.equals(logo)).toBe(true);
      expect(parts[1].bytes.equals(banner)).toBe(true);
    }
  });

  test('a local image that does not exist is a validate error naming the template and line', async () => {
    const campaign = await writeCampaign({ markdown: 'Hi {{ name }},\n\nsee below\n\n![Chart](charts/q3.png)\n' });
    const result = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('body.md:5: image "charts/q3.png": cannot read');
    expect(result.stderr).toContain('no such file');

    const html = await writeCampaign({
      fields: { markdown: undefined, html: 'body.html' },
      files: { 'body.html': '<p>Hi {{ name }}</p>\n\n<p style="background: url(gone.png)">x</p>\n' },
    });
    const fromHtml = await runInProcess(['campaign', 'validate', html.file]);
    expect(fromHtml.code).toBe(2);
    expect(fromHtml.stderr).toContain('body.html:3: image "gone.png": cannot read');
  });

  test('an image path that leads outside the campaign folder is refused, not read', async () => {
    const campaign = await writeCampaign({ markdown: '![x](../../etc/secret.png)\n' });
    const result = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/body\.md:1: image "\.\.\/\.\.\/etc\/secret\.png" leads outside the campaign folder/);
  });

  test('preview lists the embedded images', async () => {
    const campaign = await writeCampaign({ markdown: '![Logo](logo.png)\n', files: { 'logo.png': logo } });
    const result = await runInProcess(['campaign', 'preview', campaign.file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Inline images: logo\.png \(cid:[0-9a-f]{16}@example\.com\)$/m);
  });
});
