import type { CommandIo } from './io.js';

/** Machine output: one JSON document on stdout. */
export function printJson(io: CommandIo, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Whether this command line asked for JSON: then errors are JSON on stderr too. */
export function jsonRequested(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * An error as one JSON object, `{"error": {"code": 2, "message": "…", "file": "…", "line": 3}}`: file and
 * line when the message starts with "file:line: " (as mailshot's messages about a file do).
 */
export function errorJson(code: number, message: string): string {
  const where =
    /^(?<file>[^\s:][^:\n]*?):(?<line>\d+): /.exec(message) ??
    /^(?<file>[^\s:][^:\n]*?\.(?:ya?ml|csv|md|html?|txt|jsonl?)): /.exec(message);
  const error: Record<string, unknown> = { code, message };
  if (where?.groups) {
    error.file = where.groups.file;
    if (where.groups.line) error.line = Number(where.groups.line);
  }
  return JSON.stringify({ error }) + '\n';
}
