import { Encoder as Base64Encoder } from 'nodemailer/lib/base64';
import { Encoder as QpEncoder } from 'nodemailer/lib/qp';
import type MimeNode from 'nodemailer/lib/mime-node';
import type { TreeNode } from './tree-node.js';
import type { Transform } from 'node:stream';
import { RootHeaders } from './root-headers.js';
import { textTransferEncoding } from './text-encoding.js';

/**
 * Writes a nodemailer MIME tree to one Buffer without streams: the same walk as MimeNode.build (headers
 * as the node's own buildHeaders writes them, the root's kept line by line across messages by RootHeaders,
 * content through nodemailer's own encoders, the same delimiters and final line break), called
 * synchronously. Encoded Buffer contents (attachments, read once per campaign) are kept, so each is
 * base64-encoded once per run, not once per message.
 */
export class MimeSerialiser {
  private readonly encoded = new WeakMap<Buffer, Chunk>();
  /** Header blocks of plain text parts (see leafHeaders), the same for most messages of a campaign. */
  private readonly leafHeaderBlocks = new Map<string, { block: string; contentType: string | undefined }>();
  private readonly rootHeaders = new RootHeaders();

  serialise(root: MimeNode): Buffer {
    const chunks: Chunk[] = [];
    this.writeNode(root as TreeNode, chunks);
    const last = chunks.at(-1);
    const lastByte = !last?.length ? undefined : typeof last === 'string' ? last.charCodeAt(last.length - 1) : last[last.length - 1];
    // nodemailer's LastNewline: the message ends with a line break
    if (lastByte === 0x0d) chunks.push('\n');
    else if (lastByte !== 0x0a) chunks.push('\r\n');
    const message = concatenated(chunks);
    return typeof message === 'string' ? Buffer.from(message) : message;
  }

  private writeNode(node: TreeNode, chunks: Chunk[]): void {
    if (node._transforms.length || node._processFuncs.length || node.newline) {
      throw new Error('MimeSerialiser: nodes with stream transforms or newline conversion are not supported');
    }
    if (node._raw) {
      chunks.push(node._raw);
      return;
    }
    const leaf = this.leafHeaders(node);
    chunks.push(leaf?.block ?? (this.rootHeaders.build(node) ?? node.buildHeaders()) + '\r\n\r\n');
    if (node.content) chunks.push(this.content(node, leaf?.contentType ?? node.contentType, leaf?.encoding ?? node.getTransferEncoding()));
    if (!node.multipart) return;
    node.childNodes.forEach((child, index) => {
      chunks.push(`${index ? '\r\n' : ''}--${node.boundary}\r\n`);
      this.writeNode(child as TreeNode, chunks);
    });
    chunks.push(`\r\n--${node.boundary}--\r\n`);
  }

  /**
   * The header block of a text part that has no header but its type (a text or HTML alternative):
   * buildHeaders makes it from the type, the transfer encoding the content calls for, whether the text
   * has non-ASCII characters (text/plain gets charset=utf-8) and the node's text encoding, so it is built
   * once per such combination; with it the lower-cased type buildHeaders leaves on the node, which the
   * encoder choice reads. Undefined for any other node (an empty text too: it has no transfer encoding).
   */
  private leafHeaders(node: TreeNode): { block: string; contentType: string | undefined; encoding: string | false } | undefined {
    const headers = node._headers;
    const content = node.content;
    if (node.rootNode === node || node.filename || node.normalizeHeaderKey || node.childNodes.length) return undefined;
    if (typeof content !== 'string' || headers.length !== 1 || headers[0]!.key !== 'Content-Type') return undefined;
    const type = headers[0]!.value;
    if (typeof type !== 'string' || !/^text\//i.test(type) || !content) return undefined;
    const encoding = textTransferEncoding(node, content);
    const key = [type, encoding, /[\u0080-\uFFFF]/.test(content), node.textEncoding].join('\0');
    let leaf = this.leafHeaderBlocks.get(key);
    if (!leaf) {
      const block = node.buildHeaders() + '\r\n\r\n';
      this.leafHeaderBlocks.set(key, (leaf = { block, contentType: node.contentType }));
    }
    return { ...leaf, encoding };
  }

  private content(node: TreeNode, contentType: string | undefined, encoding: string | false): Chunk {
    const content = node.content;
    if (typeof content !== 'string' && !Buffer.isBuffer(content)) {
      throw new Error('MimeSerialiser: only string and Buffer contents are supported');
    }
    if (encoding !== 'base64' && encoding !== 'quoted-printable') return content;
    const cached = Buffer.isBuffer(content) ? this.encoded.get(content) : undefined;
    if (cached) return cached;
    const encoder = encoding === 'base64' ? new Base64Encoder() : new QpEncoder({ binary: !/^text\//i.test(contentType || '') });
    const output = runEncoder(encoder, typeof content === 'string' ? Buffer.from(content) : content);
    const text = concatenated(output);
    if (Buffer.isBuffer(content)) this.encoded.set(content, text);
    return text;
  }
}

/**
 * A piece of the message: text (UTF-8, as a stream writes a string; what the encoders push is ASCII) or bytes.
 * Text stays text until the message is joined: a Buffer per piece made about ten short-lived Buffers per message.
 */
type Chunk = string | Buffer;

/** The chunks as one: text when they are all text, else bytes. */
function concatenated(chunks: Chunk[]): Chunk {
  if (chunks.every((chunk) => typeof chunk === 'string')) return chunks.join('');
  return Buffer.concat(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)));
}

/** Runs a nodemailer encoder's transform over the whole input at once and collects what it pushes. */
function runEncoder(encoder: Transform, input: Buffer): Chunk[] {
  const output: Chunk[] = [];
  encoder.push = (chunk: string | Buffer | null) => {
    if (chunk !== null) output.push(chunk);
    return true;
  };
  const rethrow = (error?: Error | null) => {
    if (error) throw error;
  };
  encoder._transform(input, 'buffer' as BufferEncoding, rethrow);
  encoder._flush(rethrow);
  return output;
}
