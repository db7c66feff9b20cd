import type { Command } from 'commander';
import { runsWith, typed } from '../verb.js';
import { StopError } from '../../errors.js';
import { terminalSafe } from '../../system/terminal-text.js';
import { proxyPasswordWarning } from '../../system/http.js';
import { warn, type CommandIo } from '../io.js';
import { describe } from './describe.js';

export interface TestOptions {
  name: string;
  json?: boolean;
}

/** `mailshot accounts test NAME`. */
export function define(accounts: Command): void {
  typed(accounts.command('test'))
    .description('connect and sign in, sending nothing')
    .argument('<name>', 'account name')
    .option('--json', 'print JSON')
    .action(runsWith(run, (name, { json }) => ({ name, json })));
}

/** Connects and signs in, sending nothing. */
export async function run({ name, json }: TestOptions, io: CommandIo): Promise<void> {
  const proxyWarning = proxyPasswordWarning();
  if (proxyWarning) warn(io, proxyWarning);
  const { verifyAccount } = await import('../../accounts/verify.js');
  const result = await verifyAccount(name);
  if (result.ok) {
    if (json) io.stdout.write(JSON.stringify({ account: name, ok: true, ...result.facts }, null, 2) + '\n');
    else
      io.stdout.write(
        `${name}: OK\n${Object.entries(result.facts)
          .map(([key, value]) => `  ${key}: ${terminalSafe(value)}`)
          .join('\n')}\n`,
      );
    return;
  }
  const { error } = result;
  if (json) {
    io.stdout.write(
      JSON.stringify({ account: name, ok: false, kind: error.kind, code: error.details.code, error: error.message }, null, 2) + '\n',
    );
  }
  throw new StopError(`account "${name}" (${describe(result.account)}): ${error.message}`);
}
