import { isUtf8 } from 'node:buffer';
import { Transform } from 'node:stream';
import { InputError } from '../errors.js';

/**
 * Files the user gives (campaign, templates, recipients) must be UTF-8 text. Decoding anything else
 * "works": each bad byte becomes U+FFFD and "Renée" goes out as "Ren�e". So it is checked instead.
 */
export interface TextProblem {
  /** 1-based line of the first problem. */
  line: number;
  /** What is wrong with that line, for a message. */
  what: string;
}

export const saveAsUtf8 = 'save the file as UTF-8 (in a spreadsheet: "CSV UTF-8"; in an editor: encoding UTF-8)';

/** The first line of `bytes` that is not UTF-8 text, counting from `firstLine`; undefined when all of it is. */
export function textProblem(bytes: Buffer, firstLine = 1): TextProblem | undefined {
  if (isUtf8(bytes) && !bytes.includes(0)) return undefined;
  let start = 0;
  for (let line = firstLine; start <= bytes.length; line++) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline < 0 ? bytes.length : newline;
    const text = bytes.subarray(start, end);
    // UTF-16 puts a NUL beside every ASCII character; no text file has one
    if (text.includes(0)) return { line, what: 'has a NUL byte: this is not UTF-8 text (a UTF-16 or binary file?)' };
    if (!isUtf8(text)) return { line, what: 'is not UTF-8 text (Latin-1 or Windows-1252?)' };
    start = end + 1;
  }
  return undefined;
}

/** Passes a file's bytes through unchanged, failing with an InputError at the first line that is not UTF-8 text. */
export function textGuard(file: string): Transform {
  let line = 1;
  let cut = Buffer.alloc(0); // a character split by the chunk boundary, completed by the next chunk
  const check = (bytes: Buffer) => {
    const problem = textProblem(bytes, line);
    if (problem) throw new InputError(`${file}:${problem.line}: this line ${problem.what}; ${saveAsUtf8}`);
    line += lineFeeds(bytes);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const bytes = cut.length ? Buffer.concat([cut, chunk]) : chunk;
      const whole = wholeCharactersLength(bytes);
      cut = Buffer.from(bytes.subarray(whole));
      try {
        check(bytes.subarray(0, whole));
        done(null, chunk);
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done) {
      try {
        check(cut);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

function lineFeeds(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(0x0a); at >= 0; at = bytes.indexOf(0x0a, at + 1)) count++;
  return count;
}

/** Length of `bytes` without a UTF-8 sequence that the chunk boundary cut off at its end. */
function wholeCharactersLength(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: the lead byte is further back
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}
