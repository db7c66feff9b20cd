import { domainToASCII } from 'node:url';
import isEmailModule from 'validator/lib/isEmail.js';

/**
 * One form per mailbox. A recipient is identified by it (duplicates, the journal key, the Message-ID)
 * and mailed at it (the To header and the envelope), so that one mailbox written several ways — in NFC
 * and NFD, with its domain in Unicode and as xn--, in capitals, with its local part needlessly quoted —
 * gets one message. Invisible characters and quoted local parts holding spaces or controls are refused
 * rather than guessed at: they are how one mailbox is made to look like two, or a header like an address.
 */
export type AddressProblem = 'invalid_address' | 'utf8_local_part' | 'invisible_character' | 'quoted_local_part';

export type CanonicalAddress = { address: string } | { problem: AddressProblem };

/** RFC 5321 4.5.3.1.3: a path is at most 256 octets, of which the angle brackets take two. */
export const maxAddressOctets = 254;

// Format characters (zero-width space and joiners, BOM, soft hyphen, bidi controls), the combining
// grapheme joiner, variation selectors and Hangul fillers: each renders as nothing.
const invisible = /\p{Cf}|\u034f|\u115f|\u1160|\u3164|\uffa0|[\ufe00-\ufe0f]/u;
const dotAtom = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
// Letters, marks and digits of any script, hyphens and dots (also the ideographic full stops UTS #46 maps to
// "."): anything else (%, /, brackets) would be rewritten or dropped by the URL host parser rather than refused.
const domainCharacters = /^[\p{L}\p{M}\p{N}.\u3002\uff0e\uff61-]+$/u;

// validator is CommonJS; its default export is the module, which carries the function as `default`.
const isEmail = isEmailModule.default;
const asciiRules = { allow_utf8_local_part: false, require_tld: true, allow_ip_domain: false } as const;

/**
 * The canonical form of an address from a CSV cell: Unicode NFC, the domain in its ASCII (IDNA) form,
 * the whole lower-cased, a quoted local part unquoted where RFC 5321 says it need not be quoted — or
 * why the cell is not one deliverable address.
 */
export function canonicalAddress(cell: string): CanonicalAddress {
  const text = trimSpaces(cell);
  if (Buffer.byteLength(text) > maxAddressOctets) return { problem: 'invalid_address' };
  const nfc = text.normalize('NFC');
  if (invisible.test(nfc)) return { problem: 'invisible_character' };
  const at = nfc.lastIndexOf('@');
  if (at <= 0) return { problem: 'invalid_address' };
  const local = localPart(nfc.slice(0, at));
  if (typeof local !== 'string') return local;
  const domain = nfc.slice(at + 1);
  const ascii = domainCharacters.test(domain) ? domainToASCII(domain) : '';
  if (!ascii) return { problem: 'invalid_address' };
  const address = `${local}@${ascii}`.toLowerCase();
  return isEmail(address, asciiRules) ? { address } : { problem: 'invalid_address' };
}

const plainAscii = /^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+$/;

/**
 * The canonical form of a cell written as a plain ASCII address, without checking that it is one
 * (undefined for any other cell). Only for looking a row up among recipients the journal has settled,
 * whose keys were checked when they were sent: it spares a resume the full check of every settled row.
 */
export function plainKey(cell: string): string | undefined {
  return plainAscii.test(cell) ? cell.toLowerCase() : undefined;
}

/**
 * Spaces and tabs around a cell are dropped; nothing else is: String.trim() would also drop a BOM or a
 * no-break space, characters that are refused inside an address and so are outside it too.
 */
export function trimSpaces(cell: string): string {
  return cell.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** The characters of `text` that render as nothing, shown by their code point (jane@exa<U+200B>mple.com). */
export function showInvisible(text: string): string {
  return text.replace(
    new RegExp(invisible.source, 'gu'),
    (char) => `<U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`,
  );
}

/** The local part in canonical form, or why it cannot be one. */
function localPart(text: string): string | { problem: AddressProblem } {
  if (!text.startsWith('"')) return /[^\x00-\x7f]/.test(text) ? { problem: 'utf8_local_part' } : text;
  const content = quotedContent(text);
  if (typeof content !== 'string') return content;
  // RFC 5321 4.1.2: a local part that needs no quotes is the same mailbox without them.
  return dotAtom.test(content) ? content : `"${content.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The characters of a quoted local part, its quoted pairs (\x) resolved. Spaces, tabs, line breaks and
 * other controls are refused, as are angle brackets: RFC 5321 allows some of them, but no mailbox needs
 * them and they are what makes an address read as two, or as the end of a header.
 */
function quotedContent(text: string): string | { problem: AddressProblem } {
  if (text.length < 3 || !text.endsWith('"')) return { problem: 'invalid_address' };
  let content = '';
  for (let index = 1; index < text.length - 1; index++) {
    let char = text[index]!;
    if (char === '"') return { problem: 'invalid_address' };
    if (char === '\\') char = text[++index] ?? '';
    if (index >= text.length - 1) return { problem: 'invalid_address' }; // a backslash escaping the closing quote
    const code = char.codePointAt(0)!;
    if (code > 0x7e && code !== 0x7f) return { problem: 'utf8_local_part' };
    if (code <= 0x20 || code === 0x7f || char === '<' || char === '>') return { problem: 'quoted_local_part' };
    content += char;
  }
  return content;
}
