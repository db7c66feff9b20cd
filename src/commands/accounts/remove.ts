import type { Command } from 'commander';
import { runsWith, typed } from '../verb.js';
import { notice, type CommandIo } from '../io.js';

export interface RemoveOptions {
  name: string;
}

/** `mailshot accounts remove NAME`. */
export function define(accounts: Command): void {
  typed(accounts.command('remove'))
    .description('forget an account and delete its stored secret')
    .argument('<name>', 'account name')
    .action(runsWith(run, (name) => ({ name })));
}

/** Forgets an account and deletes its stored secret. */
export async function run({ name }: RemoveOptions, io: CommandIo): Promise<void> {
  const { removeAccount } = await import('../../accounts/remove.js');
  await removeAccount(name);
  notice(io, `removed account "${name}"`);
}
