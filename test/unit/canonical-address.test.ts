import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { canonicalAddress, plainKey, showInvisible } from '../../src/campaign/canonical-address.js';
import { messageIdFor } from '../../src/campaign/compose.js';
import { normaliseAddress } from '../../src/campaign/address.js';
import { excerpt } from '../../src/campaign/excerpt.js';
import { readLayout, readRecipients } from '../../src/campaign/recipients.js';
import { tempDir } from '../helpers/cli.js';

const nfd = 'ann@bu\u0308cher.example';

describe('canonicalAddress: one form per mailbox', () => {
  test.each([
    ['ann@bücher.example', 'ann@xn--bcher-kva.example'],
    [nfd, 'ann@xn--bcher-kva.example'],
    ['ann@xn--bcher-kva.example', 'ann@xn--bcher-kva.example'],
    ['ANN@BÜCHER.EXAMPLE', 'ann@xn--bcher-kva.example'],
    ['  Jane@Example.COM\t', 'jane@example.com'],
    ['"jane"@example.com', 'jane@example.com'],
    ['"jane.doe"@example.com', 'jane.doe@example.com'],
    ['"a..b"@example.com', '"a..b"@example.com'],
    ['"a\\"b"@example.com', '"a\\"b"@example.com'],
    ['bob@例え.テスト', 'bob@xn--r8jz45g.xn--zckzah'],
    ['bob@例え。テスト', 'bob@xn--r8jz45g.xn--zckzah'],
    ['ß@straße.example', undefined],
  ])('%j → %j', (cell, expected) => {
    const result = canonicalAddress(cell);
    if (expected === undefined) expect(result).toEqual({ problem: 'utf8_local_part' });
    else expect(result).toEqual({ address: expected });
  });

  test('the spellings of one mailbox share one key, hence one Message-ID', () => {
    const keys = new Set(
      ['ann@bücher.example', nfd, 'ann@xn--bcher-kva.example', 'Ann@Bücher.Example'].map(
        (cell) => (canonicalAddress(cell) as { address: string }).address,
      ),
    );
    expect(keys.size).toBe(1);
    expect(new Set([...keys].map((key) => messageIdFor('campaign', key, 'sender@example.com'))).size).toBe(1);
  });
});

describe('canonicalAddress: refusals', () => {
  test.each([
    ['jane@exa\u200bmple.com', 'invisible_character'],
    ['ja\u200dne@example.com', 'invisible_character'],
    ['\ufeffjane@example.com', 'invisible_character'],
    ['soft\u00adhyphen@example.com', 'invisible_character'],
    ['jane@example.com\u202e', 'invisible_character'],
    ['jane\u2066@example.com', 'invisible_character'],
    ['"x y"@example.com', 'quoted_local_part'],
    ['"x\ty"@example.com', 'quoted_local_part'],
    ['"x\ny"@example.com', 'quoted_local_part'],
    ['"x\\ y"@example.com', 'quoted_local_part'],
    ['"a\r\nBcc: evil@example.net"@example.com', 'quoted_local_part'],
    ['"<evil@example.net>"@example.com', 'quoted_local_part'],
    ['"a>"@example.com', 'quoted_local_part'],
    ['"jörg"@example.com', 'utf8_local_part'],
    ['jörg@example.com', 'utf8_local_part'],
    ['""@example.com', 'invalid_address'],
    ['"unclosed@example.com', 'invalid_address'],
    ['"a"b"@example.com', 'invalid_address'],
    ['"a\\"@example.com', 'invalid_address'],
    ['ann@ex%61mple.com', 'invalid_address'],
    ['ann@0x7f.1', 'invalid_address'],
    ['ann@127.0.0.1', 'invalid_address'],
    ['ann@[127.0.0.1]', 'invalid_address'],
    ['ann@example', 'invalid_address'],
    ['Ann <ann@example.com>', 'invalid_address'],
    ['ann@example.com, bob@example.com', 'invalid_address'],
    ['\u00a0ann@example.com', 'utf8_local_part'], // a no-break space is not trimmed like a space
    ['', 'invalid_address'],
  ])('%j: %s', (cell, problem) => {
    expect(canonicalAddress(cell)).toEqual({ problem });
  });

  test('a cell over 254 octets is refused without being parsed, even when the rest would pass', () => {
    const local = 'a'.repeat(60);
    const longDomain = `${Array.from({ length: 4 }, () => 'b'.repeat(60)).join('.')}.example`; // 253 characters
    expect(canonicalAddress(`${local}@${longDomain}`)).toEqual({ problem: 'invalid_address' });
    expect(canonicalAddress(`${'x'.repeat(900_000)}@example.com`)).toEqual({ problem: 'invalid_address' });
  });
});

describe('what is printed of a rejected cell', () => {
  test('at most 100 characters and "…"; never half a surrogate pair', () => {
    expect(excerpt('x'.repeat(900_000))).toBe(`${'x'.repeat(100)}…`);
    expect(excerpt('short')).toBe('short');
    expect(excerpt(`${'x'.repeat(99)}😀`)).toBe(`${'x'.repeat(99)}…`);
  });

  test('invisible characters are shown by their code point', () => {
    expect(showInvisible('jane@exa\u200bmple.com')).toBe('jane@exa<U+200B>mple.com');
    expect(showInvisible('\ufeffa\u00adb')).toBe('<U+FEFF>a<U+00AD>b');
  });
});

describe('plainKey: the shortcut a resume takes past settled rows', () => {
  test('for every plain ASCII cell that is an address, the same key as the full check', () => {
    for (const cell of ['ann@example.com', 'Ann.Lee+news@Example.COM', 'x_y-z@sub.example.org', 'a@xn--bcher-kva.example']) {
      expect(plainKey(cell)).toBe((canonicalAddress(cell) as { address: string }).address);
    }
    for (const cell of ['ann@bücher.example', '"jane"@example.com', 'jane@exa\u200bmple.com']) expect(plainKey(cell)).toBeUndefined();
  });

  test('for a plain ASCII cell that is not an address either, the form a suppression list keeps (normaliseAddress)', () => {
    const cells = [
      'ann@example.com',
      'ANN@EXAMPLE.COM',
      'a@b',
      'a@-x.com',
      'a..b@x.com',
      'a@ex..com',
      'a@xn--abc.com',
      '.a@x.com',
      'a@x.com.',
    ];
    for (const cell of cells) expect([cell, plainKey(cell)]).toEqual([cell, normaliseAddress(cell)]);
  });

  test('readRecipients skips settled rows under whatever spelling they were settled', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'recipients.csv');
    await writeFile(file, `email\nANN@bücher.example\n${nfd}\nbob@example.com\nBOB@Example.com\ncarol@example.com\n`);
    const layout = await readLayout(file, 'email');
    const settled = new Set(['ann@xn--bcher-kva.example', 'bob@example.com']);
    const rows = [];
    for await (const row of readRecipients(file, layout, 'email', (key) => settled.has(key))) rows.push(row);
    expect(rows.map((row) => ('key' in row ? row.key : row.reason))).toEqual(['carol@example.com']);
  });
});
