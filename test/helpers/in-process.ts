/**
 * The whole program run in the test's own process (src/commands/program.ts): arguments parsed by commander,
 * the verb run, errors mapped to exit codes, all as `bin/mailshot.js` does, without starting a process. For
 * tests of a decision (a message, an exit code, a JSON shape); what only a process shows (signals, a terminal,
 * the installed bin, two runs at once) stays with runCli.
 */
import os from 'node:os';
import path from 'node:path';
import { mailshot } from '../../src/commands/program.js';
import type { CliOptions, CliResult } from './cli.js';
import { fakeIo } from './io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../src/campaign/preview.js';
import '../../src/campaign/validate.js';
import '../../src/commands/progress.js';
import '../../src/delivery/wait.js';
import '../../src/report/fold-campaign.js';
import '../../src/report/json.js';
import '../../src/report/table.js';
import '../../src/system/keep-awake.js';
import '../../src/system/notify.js';

/** `mailshot ARGS…` in-process, with runCli's defaults (a private config folder unless `env` names one). */
export async function runInProcess(args: string[], options: Pick<CliOptions, 'env' | 'input'> = {}): Promise<CliResult> {
  const io = fakeIo({ stdin: options.input });
  const saved = { ...process.env };
  setEnv({ MAILSHOT_CONFIG_DIR: path.join(os.tmpdir(), 'mailshot-test-config-unset'), ...options.env });
  try {
    const code = await mailshot(args, io);
    return { code, signal: null, stdout: io.out, stderr: io.err };
  } finally {
    process.env = saved;
  }
}

function setEnv(env: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
