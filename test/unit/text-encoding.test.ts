import MimeNode from 'nodemailer/lib/mime-node';
import type { TreeNode } from '../../src/campaign/tree-node.js';
import { textEncodingOf, textTransferEncoding } from '../../src/campaign/text-encoding.js';
import { between, seededRandom, testSeed } from '../helpers/random.js';

// mailshot chooses a text part's encoding itself (src/campaign/text-encoding.ts); the choice must be
// nodemailer's own for every text, ties between letters and other characters included.

interface NodemailerNode extends TreeNode {
  _getTextEncoding(text: string): string;
}

/** Letters, digits and spaces, line breaks, control characters, Latin-1, Cyrillic and an emoji (two UTF-16 units). */
const alphabet = ['a', 'Z', '1', ' ', '.', '\n', '\r', '\t', '\x01', '\x0b', '\x1f', '\x7f', 'é', 'Ж', '😀'];

function texts(seed: number, count: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    // Two or three kinds of character per text, so that the counts are often close or equal.
    const kinds = Array.from({ length: between(random, 1, 3) }, () => alphabet[between(random, 0, alphabet.length - 1)]!);
    return Array.from({ length: between(random, 0, 12) }, () => kinds[between(random, 0, kinds.length - 1)]).join('');
  });
}

const seed = testSeed(27);

test(`the Q/B choice is nodemailer's for random texts (seed ${seed})`, () => {
  const node = new MimeNode('text/plain') as NodemailerNode;
  const samples = [...texts(seed, 5000), '', 'aé', 'aéb', 'éa\x01', 'Ж😀ab', 'ab😀'];
  for (const text of samples) expect([text, textEncodingOf(node, text)]).toEqual([text, node._getTextEncoding(text)]);
  expect(new Set(samples.map((text) => textEncodingOf(node, text)))).toEqual(new Set(['Q', 'B']));
});

test("a node's own text encoding wins, as in nodemailer", () => {
  const node = new MimeNode('text/plain', { textEncoding: 'B' }) as NodemailerNode;
  expect(textEncodingOf(node, 'plain words')).toBe('B');
});

test(`the transfer encoding of a text part is getTransferEncoding's (seed ${seed})`, () => {
  const long = 'word '.repeat(20);
  const samples = [...texts(seed + 1, 2000), long, `${long}é`, 'Grüße\r\naus Köln', 'Привет'];
  const chosen = new Set<string>();
  for (const text of samples.filter(Boolean)) {
    for (const type of ['text/plain', 'text/html; charset=utf-8']) {
      const node = new MimeNode(type).setContent(text) as NodemailerNode;
      const encoding = textTransferEncoding(node, text);
      expect([type, text, encoding]).toEqual([type, text, node.getTransferEncoding()]);
      chosen.add(encoding);
    }
  }
  expect([...chosen].sort()).toEqual(['7bit', 'base64', 'quoted-printable']);
});
