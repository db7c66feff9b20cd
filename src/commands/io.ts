import { terminalSafe } from '../system/terminal-text.js';

/** Where a command talks to the person: passed in, so a command runs the same in a test as in a terminal. */
export interface CommandIo {
  /** Machine output (JSON, reports, the preview). */
  stdout: Writer;
  /** Human text: notices, warnings, progress. */
  stderr: Writer;
  /**
   * Which streams are terminals: stderr for bars and bells and the quiet-from-cron rule, stdin for prompts,
   * stdout for reports (control characters from servers and cells are shown escaped there).
   */
  isTTY: { stdin: boolean; stderr: boolean; stdout?: boolean };
  /** Asks one line on stderr and reads it from stdin (without echo for a secret, on a terminal); aborting stops reading. */
  prompt(question: string, options?: { secret?: boolean; signal?: AbortSignal }): Promise<string>;
  /** All of standard input (`--password-stdin`). */
  readStdin(): Promise<string>;
}

export interface Writer {
  write(chunk: string | Uint8Array): unknown;
}

/**
 * Warnings and notices go to stderr, prefixed, so stdout stays machine-readable. They may quote a server
 * or a cell: control characters in them are shown escaped.
 */
export function warn(io: CommandIo, message: string): void {
  io.stderr.write(`${stamp()}mailshot: warning: ${terminalSafe(message)}\n`);
}

export function notice(io: CommandIo, message: string): void {
  io.stderr.write(`${stamp()}mailshot: ${terminalSafe(message)}\n`);
}

/** Human text on stdout (a preview, a status, a report): on a terminal, control characters from cells or servers are shown escaped. */
export function writeForPerson(io: CommandIo, text: string | Buffer): unknown {
  return io.stdout.write(io.isTTY.stdout ? terminalSafe(text.toString()) : text);
}

/** In a log (the cron line sets MAILSHOT_LOG_TIMES), each line starts with its time, ISO 8601 UTC. */
function stamp(): string {
  return process.env.MAILSHOT_LOG_TIMES ? `${new Date().toISOString()} ` : '';
}

/** The process's own streams. */
export function processIo(): CommandIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: { stdin: Boolean(process.stdin.isTTY), stderr: Boolean(process.stderr.isTTY), stdout: Boolean(process.stdout.isTTY) },
    async prompt(question, options = {}) {
      if (options.secret && process.stdin.isTTY) {
        const { read } = await import('read');
        return read({ prompt: question, silent: true, replace: '', output: process.stderr });
      }
      const { createInterface } = await import('node:readline/promises');
      const lines = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
      try {
        return await lines.question(question, { signal: options.signal });
      } finally {
        lines.close();
      }
    },
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
