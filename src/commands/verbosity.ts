import { setProtocolLog } from '../system/protocol-log.js';

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

export function setVerbosity(flags: Partial<Verbosity>): void {
  current = { quiet: Boolean(flags.quiet), verbose: Boolean(flags.verbose) || Boolean(flags.debug), debug: Boolean(flags.debug) };
  setProtocolLog(current.debug ? (line) => process.stderr.write(`mailshot: debug: ${line}\n`) : undefined);
}

export function verbosity(): Verbosity {
  return current;
}
