import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { notice, type CommandIo } from '../io.js';
import { runsWith, typed } from '../verb.js';

export interface CheckOptions {
  account: string;
  since?: string;
  json?: boolean;
}

/** `mailshot bounces check ACCOUNT`: reads bounces, complaints and unsubscribe mail from the sending mailbox. */
export function define(bounces: Command): void {
  typed(bounces.command('check'))
    .description('suppress what arrived since the last check (safe from cron: locked, and a message is never counted twice)')
    .argument('<account>', 'the sending account whose mailbox to read')
    .option('--since <date>', 'only messages received on or after this date (e.g. 2026-11-01)')
    .option('--json', 'print the result as JSON')
    .action(runsWith(run, (account, { since, json }) => ({ account, since, json })));
}

export async function run(options: CheckOptions, io: CommandIo): Promise<void> {
  const since = options.since === undefined ? undefined : new Date(options.since);
  if (since && Number.isNaN(since.getTime())) throw new InputError(`--since ${options.since}: not a date; use e.g. 2026-11-01`);
  const [{ checkBounces }, { formatCheck }] = await Promise.all([import('../../bounces/check.js'), import('../../bounces/format.js')]);
  const result = await checkBounces({ account: options.account, since });
  if (options.json) io.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else if (result.messages) io.stdout.write(formatCheck(result));
  else if (io.isTTY.stderr) notice(io, `no new messages in the mailbox of "${options.account}"`); // from cron: nothing to say, nothing logged
}
