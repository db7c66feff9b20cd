import type { Command as TypedCommand } from '@commander-js/extra-typings';
import { notice, type CommandIo } from '../io.js';

/** What every `suppress` verb takes: whose list, and machine-readable output. */
export interface ListOptions {
  account?: string;
  json?: boolean;
}

export const reasons = ['unsubscribed', 'bounced', 'complained', 'manual'] as const;

export type Reason = (typeof reasons)[number];

export function accountOptions<Args extends unknown[]>(command: TypedCommand<Args>) {
  return command
    .option('--account <name>', 'the sending account (default: the only one there is; "outbox" for rehearsals)')
    .option('--json', 'machine-readable output on stdout');
}

export async function openList(account: string | undefined) {
  const [{ chooseAccount }, { suppressionListOf }] = await Promise.all([
    import('../../suppress/identity.js'),
    import('../../suppress/open.js'),
  ]);
  return suppressionListOf(await chooseAccount(account));
}

/** The outcome of a change: one JSON line on stdout with --json, else a sentence on stderr. */
export function report(io: CommandIo, options: ListOptions, json: object, text: string): void {
  if (options.json) io.stdout.write(JSON.stringify(json) + '\n');
  else notice(io, text);
}
