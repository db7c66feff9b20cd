import { InputError } from '../../errors.js';
import { notice, type CommandIo } from '../io.js';
import type { AccountLimits } from '../../accounts/account.js';
import { limitsFrom } from '../options.js';
import { describeLimits } from './describe.js';
import type { ImapFlags } from '../../accounts/imap-settings.js';
import type { DkimFlags } from '../../accounts/dkim-signing.js';
import { dkimStep } from './dkim-options.js';

export interface SetOptions extends AccountLimits, ImapFlags, DkimFlags {
  name: string;
  /** Forget the concurrency the account's server refused in an earlier run. */
  forgetLearned?: boolean;
}

/** Changes an account's sending limits. */
export async function run(options: SetOptions, io: CommandIo): Promise<void> {
  const limits = limitsFrom(options);
  const unchanged = Object.values(limits).every((value) => value === undefined);
  const storeDkimKey = await dkimStep(options, io);
  if (storeDkimKey) {
    await storeDkimKey(options.name);
    if (unchanged && options.imapHost === undefined && options.imapPort === undefined && options.imapSecurity === undefined) return;
  }
  if (options.imapHost !== undefined || options.imapPort !== undefined || options.imapSecurity !== undefined) {
    const imap = await (await import('../../accounts/imap-settings.js')).setImapSettings(options.name, options);
    notice(io, `mailbox of "${options.name}": IMAP ${imap.host}:${imap.port} (${imap.security})`);
    if (unchanged) return;
  }
  if (unchanged && !options.forgetLearned) {
    throw new InputError(
      'name at least one limit to change: --max-concurrent, --rate, --daily-limit or --per-connection (or --forget-learned, --imap-host, --imap-port, --imap-security, or --dkim-domain with --dkim-selector and --dkim-key-file)',
    );
  }
  const { setAccountLimits } = await import('../../accounts/limits.js');
  const set = await setAccountLimits(options.name, limits, options.forgetLearned);
  if (set.forgotten) notice(io, `"${options.name}": the concurrency its server refused earlier (${set.forgotten}) is forgotten`);
  if (!unchanged) notice(io, `limits of "${options.name}": ${describeLimits(set.limits) || 'defaults'}`);
}
