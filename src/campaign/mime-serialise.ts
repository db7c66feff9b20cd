import { Encoder as Base64Encoder } from 'nodemailer/lib/base64';
import { Encoder as QpEncoder } from 'nodemailer/lib/qp';
import type MimeNode from 'nodemailer/lib/mime-node';
import type { Transform } from 'node:stream';

/** The parts of nodemailer's MimeNode that its own stream writer reads and its typings leave out. */
interface TreeNode extends MimeNode {
  _raw?: string | Buffer | false;
  _transforms: unknown[];
  _processFuncs: unknown[];
}

/**
 * Writes a nodemailer MIME tree to one Buffer without streams: the same walk as MimeNode.build (headers
 * from the node's own buildHeaders, content through nodemailer's own encoders, the same delimiters and
 * final line break), called synchronously. Encoded Buffer contents (attachments, read once per campaign)
 * are kept, so each is base64-encoded once per run, not once per message.
 */
export class MimeSerialiser {
  private readonly encoded = new WeakMap<Buffer, Buffer>();

  serialise(root: MimeNode): Buffer {
    const chunks: Buffer[] = [];
    this.writeNode(root as TreeNode, chunks);
    const last = chunks.at(-1);
    const lastByte = last?.length ? last[last.length - 1] : undefined;
    // nodemailer's LastNewline: the message ends with a line break
    if (lastByte === 0x0d) chunks.push(Buffer.from('\n'));
    else if (lastByte !== 0x0a) chunks.push(Buffer.from('\r\n'));
    return Buffer.concat(chunks);
  }

  private writeNode(node: TreeNode, chunks: Buffer[]): void {
    if (node._transforms.length || node._processFuncs.length || node.newline) {
      throw new Error('MimeSerialiser: nodes with stream transforms or newline conversion are not supported');
    }
    if (node._raw) {
      chunks.push(asBuffer(node._raw));
      return;
    }
    chunks.push(Buffer.from(node.buildHeaders() + '\r\n\r\n'));
    if (node.content) chunks.push(this.content(node));
    if (!node.multipart) return;
    node.childNodes.forEach((child, index) => {
      chunks.push(Buffer.from(`${index ? '\r\n' : ''}--${node.boundary}\r\n`));
      this.writeNode(child as TreeNode, chunks);
    });
    chunks.push(Buffer.from(`\r\n--${node.boundary}--\r\n`));
  }

  private content(node: TreeNode): Buffer {
    const content = node.content;
    if (typeof content !== 'string' && !Buffer.isBuffer(content)) {
      throw new Error('MimeSerialiser: only string and Buffer contents are supported');
    }
    const bytes = asBuffer(content);
    const encoding = node.getTransferEncoding();
    if (encoding !== 'base64' && encoding !== 'quoted-printable') return bytes;
    const cached = Buffer.isBuffer(content) ? this.encoded.get(content) : undefined;
    if (cached) return cached;
    const encoder = encoding === 'base64' ? new Base64Encoder() : new QpEncoder({ binary: !/^text\//i.test(node.contentType || '') });
    const output = runEncoder(encoder, bytes);
    if (Buffer.isBuffer(content)) this.encoded.set(content, output);
    return output;
  }
}

function asBuffer(value: string | Buffer): Buffer {
  return typeof value === 'string' ? Buffer.from(value) : value;
}

/** Runs a nodemailer encoder's transform over the whole input at once and collects what it pushes. */
function runEncoder(encoder: Transform, input: Buffer): Buffer {
  const output: Buffer[] = [];
  encoder.push = (chunk: string | Buffer | null) => {
    if (chunk !== null) output.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    return true;
  };
  const rethrow = (error?: Error | null) => {
    if (error) throw error;
  };
  encoder._transform(input, 'buffer' as BufferEncoding, rethrow);
  encoder._flush(rethrow);
  return Buffer.concat(output);
}
