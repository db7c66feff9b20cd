import type { TreeNode } from './tree-node.js';

const nonLatin = /[\x00-\x08\x0b\x0c\x0e-\x1f\u0080-\uFFFF]/g;
const latin = /[A-Za-z]/g;

/**
 * nodemailer's choice of encoding for a text (MimeNode's _getTextEncoding): the node's own when it has
 * one, else 'Q' when the text has more Latin letters than control and non-ASCII characters, 'B'
 * otherwise. Counted with native regular expressions, and the letters only as far as the answer needs
 * (nodemailer walks every character in JavaScript: 3–4 times the cost on a 1 kB part).
 */
export function textEncodingOf(node: Pick<TreeNode, 'textEncoding'>, text: string): string {
  if (node.textEncoding) return node.textEncoding;
  let others = 0;
  nonLatin.lastIndex = 0;
  while (nonLatin.exec(text)) others++;
  let letters = 0;
  latin.lastIndex = 0;
  while (letters <= others && latin.exec(text)) letters++;
  return others < letters ? 'Q' : 'B';
}

/**
 * getTransferEncoding of a text node with a string content and no header but its Content-Type: 7bit
 * for plain ASCII in short lines, else quoted-printable or base64 as textEncodingOf chooses.
 */
export function textTransferEncoding(node: TreeNode, text: string): string {
  if (node._isPlainText && !node._hasLongLines) return '7bit';
  return textEncodingOf(node, text) === 'Q' ? 'quoted-printable' : 'base64';
}
