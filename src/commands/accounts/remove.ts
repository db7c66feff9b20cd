import { notice, type CommandIo } from '../io.js';

export interface RemoveOptions {
  name: string;
}

/** Forgets an account and deletes its stored secret. */
export async function run({ name }: RemoveOptions, io: CommandIo): Promise<void> {
  const { removeAccount } = await import('../../accounts/remove.js');
  await removeAccount(name);
  notice(io, `removed account "${name}"`);
}
