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
