/** What `mailshot report` says about a campaign, read as a test needs it. */
import type { Summary } from '../../src/report/summary.js';
import { runCli, type CliOptions } from './cli.js';
import { runInProcess } from './in-process.js';

/**
 * `mailshot report FILE --format json`, parsed; the report must exit 0. `args`: more flags (`--state DIR`,
 * `--failed`). It runs in-process, or as a process with `spawn` (for concurrent tests: the program in-process
 * shares the test's process.env).
 */
export async function reportJson<Report = Summary>(
  file: string,
  args: string[] = [],
  options: Pick<CliOptions, 'env'> & { spawn?: boolean } = {},
): Promise<Report> {
  const run = options.spawn ? runCli : runInProcess;
  const result = await run(['report', file, '--format', 'json', ...args], { env: options.env });
  if (result.code !== 0) throw new Error(`report exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Report;
}
