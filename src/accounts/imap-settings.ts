import { InputError } from '../errors.js';
import type { SmtpAccount, SmtpSecurity } from './account.js';
import { AccountRegistry } from './registry.js';

/** Where an SMTP account's mailbox is read (`bounces check`): same user and secret as for sending. */
export interface ImapSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
}

export interface ImapFlags {
  imapHost?: string;
  imapPort?: number;
  imapSecurity?: SmtpSecurity;
}

const defaultImapPort: Record<SmtpSecurity, number> = { tls: 993, starttls: 143, none: 143 };

/** Settings stored with the account when any --imap-* option is given; none otherwise (the default applies). */
export function imapSettingsFrom(flags: ImapFlags, smtpHost: string, current?: ImapSettings): ImapSettings | undefined {
  if (flags.imapHost === undefined && flags.imapPort === undefined && flags.imapSecurity === undefined) return current;
  if (flags.imapPort !== undefined && flags.imapPort > 65535) throw new InputError(`--imap-port ${flags.imapPort}: a port is 1 to 65535`);
  const base = current ?? defaultImapSettings(smtpHost);
  const security = flags.imapSecurity ?? (flags.imapPort === 993 ? 'tls' : flags.imapPort === 143 ? 'starttls' : base.security);
  return {
    host: flags.imapHost ?? base.host,
    port: flags.imapPort ?? (flags.imapSecurity ? defaultImapPort[security] : base.port),
    security,
  };
}

/** The SMTP host's usual IMAP name (smtp.example.com → imap.example.com; Microsoft 365's is outlook.office365.com), TLS on 993. */
export function defaultImapSettings(smtpHost: string): ImapSettings {
  const host = /(^|\.)office365\.com$/i.test(smtpHost) ? 'outlook.office365.com' : smtpHost.replace(/^(smtp|mail|submission)\./i, 'imap.');
  return { host, port: 993, security: 'tls' };
}

export function imapSettingsOf(account: SmtpAccount): ImapSettings {
  return account.imap ?? defaultImapSettings(account.host);
}

/** `accounts set NAME --imap-…`. */
export async function setImapSettings(name: string, flags: ImapFlags): Promise<ImapSettings> {
  const registry = await AccountRegistry.open();
  const account = registry.get(name);
  if (account.kind !== 'smtp')
    throw new InputError(
      account.kind === 'ses'
        ? `--imap-host, --imap-port and --imap-security are for SMTP accounts; "${name}" is an Amazon SES account, which has no mailbox`
        : `--imap-host, --imap-port and --imap-security are for SMTP accounts; "${name}" is a ${account.kind} account, whose mail is read through its API (link it with --read-mail)`,
    );
  const imap = imapSettingsFrom(flags, account.host, account.imap)!;
  registry.put({ ...account, imap });
  return imap;
}
