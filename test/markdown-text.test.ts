import { runCli, writeCampaign, type CampaignFixture } from './helpers/cli.js';
import { outboxMessages } from './helpers/messages.js';
import { runInProcess } from './helpers/in-process.js';

async function sendToOutbox(campaign: CampaignFixture) {
  const result = await runCli(['campaign', 'send', campaign.file]);
  expect(result.stderr).not.toMatch(/unexpected error|^ {4}at /m);
  expect(result.code).toBe(0);
  return outboxMessages(campaign);
}

describe('Markdown as people write it in mail', () => {
  const markdown = [
    'Hello {{ name }},',
    'thank you for coming.',
    '',
    '| Day | Place |',
    '| --- | --- |',
    '| Monday | München |',
    '',
    '- [x] booked',
    '- [ ] paid',
    '',
    'Programme: https://example.org/programme',
    '',
    'See you soon,',
    'Mara',
    '',
  ].join('\n');

  test('a single newline is a line break; GFM tables, task lists and autolinks', async () => {
    const campaign = await writeCampaign({ markdown });
    const ann = (await sendToOutbox(campaign)).get('ann@example.com')!;
    const html = ann.mail.html as string;
    expect(html).toContain('<p>See you soon,<br>Mara</p>');
    expect(html).toContain('Hello Ann,<br>thank you for coming.');
    expect(html).toMatch(/<table>[\s\S]*<th>Day<\/th>[\s\S]*<td>München<\/td>[\s\S]*<\/table>/);
    expect(html).toMatch(/<input checked="" disabled="" type="checkbox"> booked/);
    expect(html).toContain('<a href="https://example.org/programme">https://example.org/programme</a>');
    expect(ann.mail.text).toContain('See you soon,\nMara');
    expect(ann.mail.text).toContain('[x] booked');
    expect(ann.mail.text).toContain('[ ] paid');
  });

  test("markdown_breaks: false keeps Markdown's own rule (a newline inside a paragraph is a space)", async () => {
    const campaign = await writeCampaign({ markdown, fields: { markdown_breaks: false } });
    const ann = (await sendToOutbox(campaign)).get('ann@example.com')!;
    expect(ann.mail.html).toContain('<p>See you soon,\nMara</p>');
    expect(ann.mail.html).not.toContain('<br>');
  });

  test('markdown_breaks must be true or false', async () => {
    const campaign = await writeCampaign({ fields: { markdown_breaks: 'yes' } });
    const result = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/campaign\.yaml:\d+: field "markdown_breaks": expected boolean/);
  });
});

describe('the text part', () => {
  test('tables are aligned columns, also when their cells hold merge values', async () => {
    const campaign = await writeCampaign({
      markdown: '| Tag | Ort |\n| --- | --- |\n| Montag | München |\n| {{ day }} | {{ place }} |\n',
      csv: 'email,name,day,place\nann@example.com,Ann,Dienstag,Garmisch-Partenkirchen\n',
    });
    const ann = (await sendToOutbox(campaign)).get('ann@example.com')!;
    expect(ann.mail.text!.trimEnd()).toBe(
      ['Tag        Ort', '--------   ----------------------', 'Montag     München', 'Dienstag   Garmisch-Partenkirchen'].join('\n'),
    );
  });

  test('a table written in html: keeps its columns (no "TagOrtMontagMünchen")', async () => {
    const campaign = await writeCampaign({
      fields: { markdown: undefined, html: 'body.html' },
      files: {
        'body.html': '<p>Hi {{ name }}</p><table><tr><td>Tag</td><td>Ort</td></tr><tr><td>Montag</td><td>München</td></tr></table>',
      },
    });
    const ann = (await sendToOutbox(campaign)).get('ann@example.com')!;
    expect(ann.mail.text).toContain('Tag      Ort\nMontag   München');
  });

  test('a row inside {% if %} comes and goes with its condition, the columns aligned either way', async () => {
    const campaign = await writeCampaign({
      fields: { markdown: undefined, html: 'body.html' },
      files: {
        'body.html':
          '<table><tr><th>Item</th><th>Price</th></tr>{% if vip == "yes" %}<tr><td>VIP lounge</td><td>free</td></tr>{% endif %}<tr><td>{{ item }}</td><td>{{ price }}</td></tr></table>',
      },
      csv: 'email,name,vip,item,price\nann@example.com,Ann,yes,Workshop ticket,12 EUR\nbob@example.com,Bob,no,Ticket,5 EUR\n',
    });
    const messages = await sendToOutbox(campaign);
    expect(messages.get('ann@example.com')!.mail.text!.trim()).toBe(
      'Item              Price\n---------------   ------\nVIP lounge        free\nWorkshop ticket   12 EUR',
    );
    expect(messages.get('bob@example.com')!.mail.text!.trim()).toBe('Item     Price\n------   -----\nTicket   5 EUR');
  });

  test('lines with merge values are not wrapped, blank-line runs collapse, a link whose text is its address is shown once', async () => {
    const campaign = await writeCampaign({
      markdown: [
        'We saved you a seat at the *{{ workshop }}* workshop, which takes place in the big hall on the first floor of the old mill.',
        '',
        '{% if vip == "yes" %}',
        'You are a VIP.',
        '{% endif %}',
        '',
        '',
        'Programme: <https://example.org/programme>, [our site](https://example.org) and [{{ link }}]({{ link }}).',
        '',
      ].join('\n'),
      csv: 'email,name,workshop,vip,link\nann@example.com,Ann,Ceramics,no,https://example.org/ann\n',
    });
    const text = (await sendToOutbox(campaign)).get('ann@example.com')!.mail.text!;
    expect(text).toContain(
      'We saved you a seat at the Ceramics workshop, which takes place in the big hall on the first floor of the old mill.\n',
    );
    expect(text).not.toMatch(/\n[ \t]*\n[ \t]*\n/);
    expect(text).toContain('Programme: https://example.org/programme, our site [https://example.org] and https://example.org/ann.');
  });

  test('a text: template is used as written', async () => {
    const written = 'Hi {{ name }},\n\n\n\nthis   is\n| a | table |\n[x](y) https://example.org [https://example.org]\n';
    const campaign = await writeCampaign({ fields: { text: 'body.txt' }, files: { 'body.txt': written } });
    const ann = (await sendToOutbox(campaign)).get('ann@example.com')!;
    expect(ann.mail.text).toBe(written.replace('{{ name }}', 'Ann'));
  });
});
