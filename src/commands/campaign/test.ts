import type { Command } from 'commander';
import { exactly, runsWith, typed } from '../verb.js';
import { wholeNumber } from '../options.js';
import { InputError } from '../../errors.js';
import { notice, type CommandIo } from '../io.js';

export interface TestOptions {
  file: string;
  /** Comma-separated addresses: the only ones the test message goes to (with --check: the account's own by default). */
  to?: string;
  row: number;
  via?: string;
  /** Wait for the message in the account's mailbox and say where it landed (test-check.ts). */
  check?: boolean;
  checkTimeout?: number;
}

/** `mailshot campaign test FILE`; `--check` waits for it in the account's mailbox and says where it landed. */
export function define(campaign: Command): void {
  typed(campaign.command('test'))
    .option('--check', "then wait for it in the account's mailbox (--to an address it reads): where it landed, how it authenticated")
    .option('--check-timeout <seconds>', 'how long --check waits for the message', wholeNumber(1), 120)
    .description("send one row's message, marked [TEST], to the given addresses only; no campaign recipient gets it")
    .argument('<file>', 'campaign YAML file')
    .option('--to <addresses>', "comma-separated addresses to send the test to (with --check: default the account's own)")
    .option('--row <n>', 'data row of the CSV whose message to send (1 = first recipient)', wholeNumber(1), 1)
    .option('--via <account>', 'send through this account (default: the campaign\'s "via", else the outbox)')
    .action(runsWith(run, (file, flags) => ({ ...exactly<Omit<TestOptions, 'file'>>()(flags), file })));
}

/** Sends one row's message, marked [TEST], to the given addresses only. */
export async function run(options: TestOptions, io: CommandIo): Promise<number | void> {
  if (!options.to && !options.check) throw new InputError('--to: say where the test goes, e.g. --to you@example.com');
  const { sendTest } = await import('../../delivery/test-send.js');
  const to = options.to?.split(',') ?? [];
  const result = await sendTest({ campaignFile: options.file, to, row: options.row, via: options.via });
  for (const { to, reply } of result.sent) notice(io, `test message sent to ${to} through "${result.via}": ${reply}`);
  if (options.check) {
    const [first] = result.sent;
    const check = { via: result.via, to: first!.to, messageId: first!.messageId, timeout: options.checkTimeout ?? 120 };
    return (await import('./test-check.js')).reportLanding(check, io);
  }
}
