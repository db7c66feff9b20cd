import type MimeNode from 'nodemailer/lib/mime-node';

/** The parts of nodemailer's MimeNode that its own stream writer reads and its typings leave out. */
export interface TreeNode extends MimeNode {
  _raw?: string | Buffer | false;
  _transforms: unknown[];
  _processFuncs: unknown[];
  _headers: { key: string; value: unknown }[];
  textEncoding: string;
  filename?: string;
  /** Set by setContent for a string: ASCII without control characters, and with a line over 76 characters. */
  _isPlainText?: boolean;
  _hasLongLines?: boolean;
}
