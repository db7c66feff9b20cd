import type { Command } from 'commander';
import { oneOf, wholeNumber } from './options.js';

/** Where an SMTP account's mailbox is read by `bounces check` (same user and password). */
export function imapOptions(command: Command): Command {
  return command
    .option('--imap-host <host>', "IMAP server for `bounces check` (default: the SMTP host's usual IMAP name, e.g. imap.example.com)")
    .option('--imap-port <port>', 'IMAP port (default 993 with tls, 143 otherwise)', wholeNumber(1))
    .option('--imap-security <mode>', 'IMAP: tls (default), starttls or none', oneOf(['tls', 'starttls', 'none'] as const));
}
