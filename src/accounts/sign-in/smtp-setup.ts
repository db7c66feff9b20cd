import { InputError } from '../../errors.js';
import type { SecretLocation } from '../../auth/secrets.js';
import type { AccountLimits, SmtpAccount, SmtpSecurity } from '../account.js';
import { AccountRegistry } from '../registry.js';
import { saveNewAccount } from '../save-account.js';

export interface SmtpSetup {
  name: string;
  host: string;
  port?: number;
  security?: SmtpSecurity;
  user?: string;
  /** The password itself (from stdin or a prompt), never from argv. */
  password?: string;
  passwordEnv?: string;
  insecureTls?: boolean;
  imap?: SmtpAccount['imap'];
  limits: AccountLimits;
  preset?: string;
}

const defaultPort: Record<SmtpSecurity, number> = { tls: 465, starttls: 587, none: 25 };

/** Checks the settings, then saves the account and its secret (save-account.ts): a failure or a crash leaves nothing `accounts remove` cannot clear. */
export async function addSmtpAccount(setup: SmtpSetup, warn: (message: string) => void): Promise<SmtpAccount> {
  const registry = await AccountRegistry.open();
  registry.checkNewName(setup.name);
  if (setup.passwordEnv !== undefined && process.env[setup.passwordEnv] === undefined) {
    throw new InputError(`--password-env ${setup.passwordEnv}: that variable is not set; export it first (it is read again at every send)`);
  }
  const security = setup.security ?? (setup.port === 465 ? 'tls' : 'starttls');
  if (security === 'none' && setup.user && !isLoopback(setup.host)) {
    warn(
      `--security none: the password of ${setup.user} will travel unencrypted to ${setup.host}, readable by anyone on the way; ` +
        `use --security starttls (port 587) or tls (port 465) unless the network between here and that server is yours`,
    );
  }
  const secret: SecretLocation = setup.passwordEnv ? 'env' : 'none';
  const account: SmtpAccount = {
    kind: 'smtp',
    name: setup.name,
    preset: setup.preset,
    host: setup.host,
    port: setup.port ?? defaultPort[security],
    security,
    user: setup.user,
    passwordEnv: setup.passwordEnv,
    secret,
    insecureTls: setup.insecureTls || undefined,
    imap: setup.imap,
    limits: setup.limits,
    createdAt: new Date().toISOString(),
  };
  if (setup.password !== undefined) return saveNewAccount(registry, account, setup.password, warn);
  await registry.add(account);
  return account;
}

/** A server on this machine: a password sent to it without TLS does not cross a network. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
