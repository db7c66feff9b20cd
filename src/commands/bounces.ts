import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { notice as noticeTo, processIo } from './io.js';

/** `mailshot bounces check ACCOUNT`: reads bounces, complaints and unsubscribe mail from the sending mailbox. */
export function registerBounces(program: Command): void {
  const bounces = program.command('bounces').description('read bounces, complaints and unsubscribe mail from the sending mailbox');
  bounces
    .command('check')
    .description('suppress what arrived since the last check (safe from cron: locked, and a message is never counted twice)')
    .argument('<account>', 'the sending account whose mailbox to read')
    .option('--since <date>', 'only messages received on or after this date (e.g. 2026-11-01)')
    .option('--json', 'print the result as JSON')
    .action(async (account: string, flags: { since?: string; json?: boolean }) => {
      const since = flags.since === undefined ? undefined : new Date(flags.since);
      if (since && Number.isNaN(since.getTime())) throw new InputError(`--since ${flags.since}: not a date; use e.g. 2026-11-01`);
      const [{ checkBounces }, { formatCheck }] = await Promise.all([import('../bounces/check.js'), import('../bounces/format.js')]);
      const result = await checkBounces({ account, since });
      if (flags.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else if (result.messages) process.stdout.write(formatCheck(result));
      else if (process.stderr.isTTY) notice(`no new messages in the mailbox of "${account}"`); // from cron: nothing to say, nothing logged
    });
}

function notice(message: string): void {
  noticeTo(processIo(), message);
}
