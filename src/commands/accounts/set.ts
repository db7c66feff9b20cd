import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { notice, warn, type CommandIo } from '../io.js';
import type { AccountLimits } from '../../accounts/account.js';
import { limitsFrom, oneOf, perConnectionOption, sendingLimitOptions, wholeNumber } from '../options.js';
import { exactly, runsWith, typed } from '../verb.js';
import { describeLimits } from './describe.js';
import type { ImapFlags } from '../../accounts/imap-settings.js';
import type { DkimFlags } from '../../accounts/dkim-signing.js';
import { dkimOptions, dkimStep } from './dkim-options.js';
import { readPasswordStdin } from './password-input.js';

export interface SetOptions extends AccountLimits, ImapFlags, DkimFlags {
  name: string;
  /** Forget the concurrency the account's server refused in an earlier run. */
  forgetLearned?: boolean;
  passwordStdin?: boolean;
  passwordEnv?: string;
}

/** `mailshot accounts set NAME`. */
export function define(accounts: Command): void {
  const set = typed(accounts.command('set'))
    .description("change an account's sending limits, its SMTP password, or where its mailbox is read")
    .argument('<name>', 'account name');
  dkimOptions(perConnectionOption(sendingLimitOptions(set)))
    .option('--forget-learned', 'forget the concurrency the server refused in an earlier run (--max-concurrent replaces it too)')
    .addOption(set.createOption('--password-stdin', 'SMTP accounts: a new password, from standard input').conflicts('passwordEnv'))
    .option(
      '--password-env <var>',
      'SMTP accounts: read the password from this variable at every send from now on (the stored one is deleted)',
    )
    .option('--imap-host <host>', 'IMAP server for `bounces check`')
    .option('--imap-port <port>', 'IMAP port', wholeNumber(1))
    .option('--imap-security <mode>', 'IMAP: tls, starttls or none', oneOf(['tls', 'starttls', 'none'] as const))
    .action(runsWith(run, (name, flags) => ({ ...exactly<Omit<SetOptions, 'name'>>()(flags), name })));
}

/** Changes an account's password, where its mailbox is read, or its sending limits. */
export async function run(options: SetOptions, io: CommandIo): Promise<void> {
  const limits = limitsFrom(options);
  const unchanged = Object.values(limits).every((value) => value === undefined);
  const passwordChange = options.passwordStdin || options.passwordEnv !== undefined;
  if (passwordChange) await setPassword(options, io);
  const storeDkimKey = await dkimStep(options, io);
  if (storeDkimKey) await storeDkimKey(options.name);
  const imapChange = options.imapHost !== undefined || options.imapPort !== undefined || options.imapSecurity !== undefined;
  if (imapChange) {
    const imap = await (await import('../../accounts/imap-settings.js')).setImapSettings(options.name, options);
    notice(io, `mailbox of "${options.name}": IMAP ${imap.host}:${imap.port} (${imap.security})`);
  }
  if (unchanged && (passwordChange || storeDkimKey || imapChange) && !options.forgetLearned) return;
  if (unchanged && !options.forgetLearned) {
    throw new InputError(
      'name at least one thing to change: --max-concurrent, --rate, --daily-limit or --per-connection, --forget-learned, ' +
        '--password-stdin or --password-env, --imap-host, --imap-port, --imap-security, or --dkim-domain with --dkim-selector and --dkim-key-file',
    );
  }
  const { setAccountLimits } = await import('../../accounts/limits.js');
  const set = await setAccountLimits(options.name, limits, options.forgetLearned);
  if (set.forgotten) notice(io, `"${options.name}": the concurrency its server refused earlier (${set.forgotten}) is forgotten`);
  if (!unchanged) notice(io, `limits of "${options.name}": ${describeLimits(set.limits) || 'defaults'}`);
}

async function setPassword(options: SetOptions, io: CommandIo): Promise<void> {
  const change = options.passwordEnv !== undefined ? { passwordEnv: options.passwordEnv } : { password: await readPasswordStdin(io) };
  const { setSmtpPassword } = await import('../../accounts/password.js');
  const account = await setSmtpPassword(options.name, change, (message) => warn(io, message));
  const where = account.passwordEnv ? `read from $${account.passwordEnv} at every send` : `stored (${account.secret})`;
  notice(io, `password of "${options.name}" replaced: ${where}; check it with \`mailshot accounts test ${options.name}\``);
}
