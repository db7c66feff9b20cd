import { setProtocolLog } from '../system/protocol-log.js';
import type { Writer } from './io.js';
import { terminalSafe } from '../system/terminal-text.js';

/** The program-wide --quiet / --verbose / --debug choice, set once before a command's action runs. */
export interface Verbosity {
  /** Results and errors only: no progress, no bell, no desktop notification. */
  quiet: boolean;
  /** Each recipient's outcome as a line. */
  verbose: boolean;
  /** The SMTP conversation and HTTP requests, credentials redacted. */
  debug: boolean;
}

let current: Verbosity = { quiet: false, verbose: false, debug: false };

/** `stderr`: where --debug writes the protocol lines. */
export function setVerbosity(flags: Partial<Verbosity>, stderr: Writer): void {
  current = { quiet: Boolean(flags.quiet), verbose: Boolean(flags.verbose) || Boolean(flags.debug), debug: Boolean(flags.debug) };
  setProtocolLog(current.debug ? (line) => stderr.write(`mailshot: debug: ${terminalSafe(line)}\n`) : undefined);
}

export function verbosity(): Verbosity {
  return current;
}
