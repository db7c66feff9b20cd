import type { Command as TypedCommand, OptionValues } from '@commander-js/extra-typings';
import type { DkimFlags } from '../../accounts/dkim-signing.js';
import { notice, warn, type CommandIo } from '../io.js';

/** `--dkim-domain --dkim-selector --dkim-key-file` on `accounts add smtp` and `accounts set`: mailshot signs with DKIM. */
export function dkimOptions<Args extends unknown[], Opts extends OptionValues>(command: TypedCommand<Args, Opts>) {
  return command
    .option('--dkim-domain <domain>', 'SMTP: sign with DKIM as this domain (for a relay that does not sign)')
    .option('--dkim-selector <selector>', 'SMTP: the DKIM selector (its TXT record holds the public key)')
    .option('--dkim-key-file <file>', 'SMTP: the private key (PEM); kept in the keychain like a password, never in accounts.json');
}

/** Checks the --dkim-* flags (before an account is added), and returns what stores the key afterwards; undefined without them. */
export async function dkimStep(flags: DkimFlags, io: CommandIo): Promise<((name: string) => Promise<void>) | undefined> {
  const { hasDkimFlags, readDkimFlags, saveDkimKey } = await import('../../accounts/dkim-signing.js');
  if (!hasDkimFlags(flags)) return undefined;
  const key = await readDkimFlags(flags);
  return async (name) => {
    const dkim = await saveDkimKey(name, key, (message) => warn(io, message));
    notice(io, `"${name}" signs with DKIM as ${dkim.domain} (selector ${dkim.selector}); \`mailshot campaign check\` compares it with DNS`);
  };
}
