import { notice, type CommandIo } from '../io.js';

export interface TestOptions {
  file: string;
  /** Comma-separated addresses: the only ones the test message goes to. */
  to: string;
  row: number;
  via?: string;
}

/** Sends one row's message, marked [TEST], to the given addresses only. */
export async function run(options: TestOptions, io: CommandIo): Promise<void> {
  const { sendTest } = await import('../../delivery/test-send.js');
  const result = await sendTest({ campaignFile: options.file, to: options.to.split(','), row: options.row, via: options.via });
  for (const { to, reply } of result.sent) notice(io, `test message sent to ${to} through "${result.via}": ${reply}`);
}
