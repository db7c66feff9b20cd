import type { ImapFlow } from 'imapflow';
import { StopError, LaterError } from '../errors.js';
import { signInDeadlineMs } from '../system/deadline.js';
import { credentialRedactor, redactError } from '../system/redact.js';
import type { SmtpAccount } from './account.js';
import { imapSettingsOf, type ImapSettings } from './imap-settings.js';

/** Signs in to an SMTP account's IMAP mailbox (what `bounces check` and `campaign test --check` read). */
export async function connect(account: SmtpAccount, settings: ImapSettings, password: string | undefined): Promise<ImapFlow> {
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    doSTARTTLS: settings.security === 'starttls' ? true : settings.security === 'none' ? false : undefined,
    auth: { user: account.user ?? '', pass: password ?? '' },
    tls: { rejectUnauthorized: !account.insecureTls },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 15_000,
    socketTimeout: 60_000,
  });
  client.on('error', () => undefined); // surfaced by the command in progress
  // imapflow times the connection, the greeting and idleness; a server trickling its replies is bounded here.
  const deadlineMs = signInDeadlineMs();
  let late = false;
  const deadline = setTimeout(() => {
    late = true;
    client.close();
  }, deadlineMs);
  try {
    await client.connect();
    return client;
  } catch (error) {
    if (late) {
      throw new LaterError(
        `IMAP ${settings.host}:${settings.port}: signing in did not finish within ${Math.round(deadlineMs / 1000)} s. Run \`mailshot bounces check\` again later`,
      );
    }
    // The server's words go into the message: without the password it was sent (some servers echo LOGIN).
    throw connectError(account, settings, redactError(error, credentialRedactor({ user: account.user, password })));
  } finally {
    clearTimeout(deadline);
  }
}

/** Wrong settings or credentials stop (exit 1) naming what to change; anything else is retried by the caller. */
function connectError(account: SmtpAccount, settings: ImapSettings, error: unknown): Error {
  const where = `IMAP ${settings.host}:${settings.port} (${settings.security})`;
  const failure = error as { authenticationFailed?: boolean; code?: string; message?: string; responseText?: string };
  if (failure.authenticationFailed) {
    return new StopError(
      `${where} refused the sign-in of ${account.user ?? '(no user)'}: ${failure.responseText || failure.message}; the account's user and password are used for IMAP too`,
    );
  }
  if (
    ['ENOTFOUND', 'ECONNREFUSED', 'EAI_AGAIN'].includes(failure.code ?? '') ||
    /certificate|self.signed|SSL|TLS/i.test(failure.message ?? '')
  ) {
    return new StopError(
      `cannot reach ${where}: ${failure.message}; set the mailbox's server with \`mailshot accounts set ${account.name} --imap-host H --imap-port P --imap-security tls|starttls|none\``,
    );
  }
  return error as Error;
}

/** `accounts test`: signs in to the account's IMAP server and opens the INBOX read-only; returns what it saw. */
export async function verifyImap(account: SmtpAccount, password: string | undefined): Promise<string> {
  const settings = imapSettingsOf(account);
  const client = await connect(account, settings, password);
  try {
    const status = await client.status('INBOX', { messages: true });
    return `${settings.host}:${settings.port} (${settings.security}), INBOX holds ${(status && status.messages) ?? 0} message(s)`;
  } finally {
    await client.logout().catch(() => client.close());
  }
}
