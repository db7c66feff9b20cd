import { isUtf8 } from 'node:buffer';
import { detectMimeType } from 'nodemailer/lib/mime-funcs';

/**
 * The Content-Type of an attachment, decided once when it is read: the type its name says, and for text
 * the charset its bytes are in. Text that is valid UTF-8 is labelled so (a reader would otherwise guess,
 * and an em dash becomes "â€""); text in an unknown 8-bit charset goes as application/octet-stream rather
 * than with a label that could be wrong.
 */
export function attachmentType(file: string, bytes: Buffer): string {
  const type = detectMimeType(file);
  if (!/^text\//i.test(type)) return type;
  return isUtf8(bytes) ? `${type}; charset=utf-8` : 'application/octet-stream';
}
