import { buildHeaderValue, foldLines, parseHeaderValue, type ParsedHeaderValue } from 'nodemailer/lib/mime-funcs';
import type { TreeNode } from './tree-node.js';

/** Headers whose object values (addresses, dates) buildHeaders encodes; other object values carry options. */
const formatted = new Set(['From', 'Sender', 'To', 'Cc', 'Bcc', 'Reply-To', 'Date', 'References']);

/** What buildHeaders' Content-Type case reads and sets on the node. */
interface RootNode extends TreeNode {
  _handleContentType(structured: ParsedHeaderValue): void;
}

/** A header line as last written, with what it was made of. */
interface KeptLine {
  value: unknown;
  textEncoding: string;
  line: string;
}

/**
 * The header block of a message's root node, as nodemailer's buildHeaders writes it (the same mandatory
 * fields, order and calls to nodemailer's own encoders), with each line kept for the next message: the
 * headers that are the same for every message of a campaign (From, Reply-To, MIME-Version, the campaign's
 * own headers) are encoded and folded once, and only those whose value changed (To, Subject, Message-ID,
 * Date, List-Unsubscribe, copies, Content-Type's boundary) are encoded again. A line is reused only for the
 * very same value (the same string, or the same address object) and text encoding.
 */
export class RootHeaders {
  private readonly kept = new Map<string, KeptLine>();

  /** The header block (without the blank line after it), or undefined for a node this does not handle. */
  build(node: TreeNode): string | undefined {
    if (node.rootNode !== node || node.filename || node.normalizeHeaderKey || !node._headers.every(handled)) return undefined;
    addMandatoryFields(node);
    const lines: string[] = [];
    for (const { key, value } of node._headers) {
      const line = key === 'Content-Type' ? contentTypeLine(node as RootNode, value as string) : this.line(node, key, value);
      if (line) lines.push(line);
    }
    return lines.join('\r\n');
  }

  private line(node: TreeNode, key: string, value: unknown): string {
    const kept = this.kept.get(key);
    if (kept && kept.value === value && kept.textEncoding === node.textEncoding) return kept.line;
    const line = folded(key, node.encodeHeaderValue(key, value as string));
    this.kept.set(key, { value, textEncoding: node.textEncoding, line });
    return line;
  }
}

/**
 * A header buildHeaders writes as `key: encoded value`: not a Bcc (left out or kept depending on the node),
 * not a Content-Disposition, and not an object carrying options (`prepared` and the like).
 */
function handled({ key, value }: { key: string; value: unknown }): boolean {
  if (key === 'Bcc' || key === 'Content-Disposition') return false;
  if (key === 'Content-Type') return typeof value === 'string';
  return !(value && typeof value === 'object' && !formatted.has(key));
}

/** buildHeaders' first steps on a root node: Content-Transfer-Encoding, Date, Message-ID, MIME-Version, Content-Type last. */
function addMandatoryFields(node: TreeNode): void {
  const has = (key: string) => node._headers.some((header) => header.key === key);
  const transferEncoding = node.getTransferEncoding();
  if (transferEncoding) node.setHeader('Content-Transfer-Encoding', transferEncoding);
  if (!has('Date')) node.setHeader('Date', node.date!.toUTCString().replace(/GMT/, '+0000'));
  if (!has('Message-ID')) node.messageId();
  if (!has('MIME-Version')) node.setHeader('MIME-Version', '1.0');
  const headers = node._headers;
  for (let index = headers.length - 2; index >= 0; index--) {
    if (headers[index]!.key === 'Content-Type') headers.push(...headers.splice(index, 1));
  }
}

/** buildHeaders' Content-Type case for a node without a filename; it sets the node's multipart boundary. */
function contentTypeLine(node: RootNode, value: string): string {
  const structured = parseHeaderValue(value, { stripComments: true });
  structured.value = (structured.value || '').toString().replace(/[\x00-\x1f\x7f]/g, '');
  node._handleContentType(structured);
  if (/^text\/plain\b/.test(structured.value) && typeof node.content === 'string' && /[\u0080-\uFFFF]/.test(node.content)) {
    structured.params.charset = 'utf-8';
  }
  return folded('Content-Type', node.encodeHeaderValue('Content-Type', buildHeaderValue(structured)));
}

/** The header line buildHeaders writes, or '' for an empty value (left out). */
function folded(key: string, encoded: string): string {
  return String(encoded || '').trim() ? foldLines(`${key}: ${encoded}`, 76) : '';
}
