/** An SMTP account whose mailbox is real: the test SMTP server and Dovecot, linked in a private config. */
import { addAccount, fileSecretsEnv, type Env } from './smtp.js';
import { startDovecot, type DovecotServer } from '../servers/dovecot.js';
import { startSmtpServer, type SmtpTestServer } from '../servers/smtp.js';

export interface SmtpWithMailbox {
  smtp: SmtpTestServer;
  imap: DovecotServer;
  env: Env & { MAILSHOT_CONFIG_DIR: string };
}

/** Starts both servers for `user` and adds the account `smtp1` that sends through one and reads the other over plain IMAP. */
export async function smtpWithMailbox(user: string, password: string): Promise<SmtpWithMailbox> {
  const [smtp, imap] = await Promise.all([startSmtpServer({ auth: { user, pass: password } }), startDovecot({ user, password })]);
  const env = await fileSecretsEnv();
  await addAccount(env, 'smtp1', smtp, {
    user,
    password,
    args: ['--imap-host', imap.host, '--imap-port', String(imap.port), '--imap-security', 'none'],
  });
  return { smtp, imap, env };
}
