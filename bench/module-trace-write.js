/**
 * Writes a trace line to stderr whole. stderr is a pipe the parent drains at its own pace: on a loaded
 * machine it fills up, and a plain writeSync then fails with EAGAIN (the process exits 1, or the line is
 * lost). This waits for the reader instead, however slow it is.
 */
import { writeSync } from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

export function writeTraceLine(text) {
  let bytes = Buffer.from(text);
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(2, bytes));
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1); // 1 ms, then try again
    }
  }
}
