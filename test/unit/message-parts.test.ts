import path from 'node:path';
import { attachmentType } from '../../src/campaign/attachment-type.js';
import { extraRecipients, parseCopies } from '../../src/campaign/copies.js';
import { referToInlineImages } from '../../src/campaign/inline-images.js';
import { finishText, htmlToTextTemplate, withoutTableMarkers } from '../../src/campaign/text-part.js';

describe('attachment types', () => {
  test.each([
    ['notes.txt', Buffer.from('Opening hours — Monday'), 'text/plain; charset=utf-8'],
    ['notes.txt', Buffer.from('Ren\xe9e', 'latin1'), 'application/octet-stream'],
    ['page.html', Buffer.from('<p>ü</p>'), 'text/html; charset=utf-8'],
    ['invoice.pdf', Buffer.from('%PDF-1.7 \xff', 'latin1'), 'application/pdf'],
  ])('%s', (file, bytes, type) => {
    expect(attachmentType(file, bytes)).toBe(type);
  });
});

describe('cc and bcc values', () => {
  test('none, one, or several addresses per rendered entry', () => {
    expect(parseCopies('cc', ['', '  '])).toEqual([]);
    expect(parseCopies('cc', ['Mia <mia@example.com>, leo@example.com', 'zoe@example.com'])).toEqual([
      { name: 'Mia', address: 'mia@example.com' },
      { name: '', address: 'leo@example.com' },
      { name: '', address: 'zoe@example.com' },
    ]);
  });

  test.each(['not an address', 'mia@example.com, nope', 'jörg@example.com'])('%s is refused', (value) => {
    expect(() => parseCopies('bcc', [value])).toThrow(/field "bcc" rendered to/);
  });

  test('a copy to the recipient itself, or one listed twice, adds nobody', () => {
    const mailbox = (address: string) => ({ name: '', address });
    expect(
      extraRecipients(
        'Ann@example.com',
        [mailbox('ann@example.com'), mailbox('mia@example.com')],
        [mailbox('MIA@example.com'), mailbox('arc@example.com')],
      ),
    ).toEqual({
      cc: [mailbox('mia@example.com')],
      bcc: [mailbox('arc@example.com')],
    });
  });
});

describe('local images of the HTML', () => {
  const source = { origin: 'body.html', dir: path.resolve('/campaign'), domain: 'example.com', lineOf: () => 1 };

  test('only local addresses become cid:, each file once', () => {
    const html =
      '<img src="a.png"><img src=\'./a.png\'><img src="https://x.example/b.png"><img src="data:image/gif;base64,AA=="><img src="cid:c@x"><img src="{{ logo }}"><p style="background:url(&quot;d%20&amp;%20e.png&quot;)">';
    const { html: rewritten, references } = referToInlineImages(html, source);
    expect(references.map((reference) => path.basename(reference.file))).toEqual(['a.png', 'd & e.png']);
    const [a, d] = references.map((reference) => reference.cid);
    expect(rewritten).toBe(
      html.replace('"a.png"', `"cid:${a}"`).replace("'./a.png'", `'cid:${a}'`).replace('d%20&amp;%20e.png', `cid:${d}`),
    );
  });

  test('an image path outside the folder is refused', () => {
    expect(() => referToInlineImages('<img src="../secret.png">', source)).toThrow(
      /body\.html:1: image "\.\.\/secret\.png" leads outside the campaign folder/,
    );
  });
});

describe('the derived text part', () => {
  test('a table with merge values is laid out after rendering; a merge value cannot end it early', () => {
    const template = htmlToTextTemplate('<table><tr><th>A</th><th>B</th></tr><tr><td>mailshotliquid0x</td><td>x</td></tr></table>');
    const rendered = template.replace('mailshotliquid0x', withoutTableMarkers('a long value\u0002'));
    expect(finishText(rendered)).toBe('A              B\n------------   -\na long value   x');
  });

  test('blank-line runs collapse to one', () => {
    expect(finishText('\n\na\n\n \n\t\nb\n')).toBe('a\n\nb\n');
  });
});
