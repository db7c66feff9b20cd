/**
 * Columns a template cannot name bare (Liquid's own words, names with spaces, __proto__) are reachable
 * through `row`, and a bare use is refused at validate; a Liquid block around Markdown list items is refused
 * with its line and the fix.
 */
import { writeCampaign } from './helpers/cli.js';
import { runInProcess } from './helpers/in-process.js';
import { outboxMessages } from './helpers/messages.js';

const csv =
  'email,blank,empty,nil,true,E-mail Address,__proto__\n' +
  'ann@example.com,b-ann,e-ann,n-ann,t-ann,ann@work.example,p-ann\n' +
  'bob@example.com,b-bob,e-bob,n-bob,t-bob,bob@work.example,p-bob\n';

describe('column names Liquid cannot take bare', () => {
  test('each is reachable through row, with its own value in every message', async () => {
    const campaign = await writeCampaign({
      csv,
      fields: { subject: 'For {{ row["E-mail Address"] }}' },
      markdown: '{{ row.blank }} {{ row.empty }} {{ row.nil }} {{ row.true }} {{ row["__proto__"] }}\n',
    });
    expect((await runInProcess(['campaign', 'validate', campaign.file])).code).toBe(0);
    expect((await runInProcess(['campaign', 'send', campaign.file])).code).toBe(0);
    const messages = await outboxMessages(campaign);
    for (const name of ['ann', 'bob']) {
      const { mail } = messages.get(`${name}@example.com`)!;
      expect(mail.subject).toBe(`For ${name}@work.example`);
      expect(mail.text!.trim()).toBe(`b-${name} e-${name} n-${name} t-${name} p-${name}`);
    }
  });

  test.each([
    ['blank', 'Hi {{ blank }}'],
    ['empty', 'Hi {{ empty | upcase }}'],
    ['nil', 'Hi {{ nil }}'],
    ['true', '{% if true %}yes{% endif %}'],
  ])('a bare "%s" is refused at validate, naming the column and how to write it', async (column, markdown) => {
    const campaign = await writeCampaign({ csv, fields: { subject: 'Hi' }, markdown: `Hello,\n\n${markdown}\n` });
    const result = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `body.md:3: Liquid reads "${column}" as its own word, not as the column "${column}" of recipients.csv: write {{ row.${column} }} for the column`,
    );
    expect((await runInProcess(['campaign', 'send', campaign.file])).code).toBe(2);
  });

  test('a name with a space written bare is refused with the row["…"] form', async () => {
    const campaign = await writeCampaign({ csv, fields: { subject: 'Hi' }, markdown: 'Hi {{ E-mail Address }}\n' });
    const result = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('write it as {{ row["E-mail Address"] }}');
  });
});

describe('a Liquid block across Markdown blocks', () => {
  test('a {% for %} around list items is refused at validate with its line and the fix; the same loop in HTML, or an {% if %} around paragraphs, is fine', async () => {
    const loop = 'Your items:\n\n{% for item in (1..3) %}\n- item {{ item }}\n{% endfor %}\n';
    const campaign = await writeCampaign({ markdown: loop });
    const result = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('body.md:3: the Liquid block {% for item in (1..3) %} spans Markdown blocks');
    expect(result.stderr).toContain('<ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul>');

    const fine = await writeCampaign({
      markdown:
        'Your items:\n\n<ul>{% for item in (1..3) %}<li>item {{ item }}</li>{% endfor %}</ul>\n\n' +
        '{% if name == "Ann" %}\nDear Ann,\n\nA second paragraph.\n{% endif %}\n',
    });
    expect((await runInProcess(['campaign', 'validate', fine.file])).code).toBe(0);
    expect((await runInProcess(['campaign', 'send', fine.file])).code).toBe(0);
    const html = (await outboxMessages(fine)).get('ann@example.com')!.mail.html as string;
    expect(html).toContain('<ul><li>item 1</li><li>item 2</li><li>item 3</li></ul>');
    expect(html).toMatch(/Dear Ann,<\/p>\s*<p>A second paragraph\./);
  });
});
