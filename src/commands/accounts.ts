import { Option, type Command } from 'commander';
import type { Account, AccountLimits, SmtpSecurity } from '../accounts/account.js';
import type { SignInIo } from '../accounts/sign-in.js';
import { InputError, StopError } from '../errors.js';
import { limitOptions, limitsFrom, notice, oneOf, warn, wholeNumber, type LimitFlags } from './options.js';

interface GoogleFlags extends LimitFlags {
  clientId: string;
  clientSecretEnv?: string;
  workspace?: boolean;
  browser: boolean;
  reconcile?: boolean;
}

interface MicrosoftFlags extends LimitFlags {
  clientId: string;
  tenant: string;
  deviceCode?: boolean;
  reconcile?: boolean;
}

interface SmtpFlags extends LimitFlags {
  host: string;
  port?: number;
  security?: SmtpSecurity;
  user?: string;
  passwordStdin?: boolean;
  passwordEnv?: string;
  insecureTls?: boolean;
}

export function registerAccounts(program: Command): void {
  const accounts = program.command('accounts').description('link, list, test and remove sending accounts');
  const add = accounts.command('add').description('link an account');

  limitOptions(add
    .command('smtp'))
    .description('an SMTP server (password from stdin, an environment variable, or a prompt)')
    .argument('<name>', 'a name for this account, used with --via')
    .requiredOption('--host <host>', 'server host name')
    .option('--port <port>', 'server port (default: 465 for tls, 587 for starttls, 25 for none)', wholeNumber(1))
    .option('--security <mode>', 'tls (implicit), starttls (default) or none', oneOf(['tls', 'starttls', 'none'] as const))
    .option('--user <user>', 'user name to sign in with')
    .addOption(new Option('--password-stdin', 'read the password from standard input').conflicts('passwordEnv'))
    .option('--password-env <var>', 'read the password from this environment variable at every send (nothing is stored)')
    .option('--insecure-tls', 'accept a certificate that does not verify (self-signed); avoid')
    .action(async (name: string, flags: SmtpFlags) => {
      if (flags.port !== undefined && flags.port > 65535) throw new InputError(`--port ${flags.port}: a port is 1 to 65535`);
      const password = flags.user && !flags.passwordEnv ? await readPassword(flags) : undefined;
      const { addSmtpAccount } = await import('../accounts/smtp-setup.js');
      const account = await addSmtpAccount(
        {
          name,
          host: flags.host,
          port: flags.port,
          security: flags.security,
          user: flags.user,
          password,
          passwordEnv: flags.passwordEnv,
          insecureTls: flags.insecureTls,
          limits: limitsFrom(flags),
        },
        warn,
      );
      notice(`added account "${account.name}" (${describe(account)}); check it with \`mailshot accounts test ${account.name}\``);
    });

  limitOptions(add.command('google'), { smtp: false })
    .description('a Gmail or Google Workspace account, through the Gmail API (OAuth sign-in in the browser)')
    .argument('<name>', 'a name for this account, used with --via')
    .requiredOption('--client-id <id>', 'client id of your own "Desktop app" OAuth client')
    .option('--client-secret-env <var>', 'read the OAuth client secret from this environment variable (else it is asked for)')
    .option('--workspace', 'a Google Workspace account (daily limit 2,000 rather than 500)')
    .option('--no-browser', 'print the sign-in address and accept the redirected address pasted back')
    .option('--reconcile', 'also ask to read message metadata, to settle recipients left in doubt by a crash')
    .action(async (name: string, flags: GoogleFlags) => {
      const clientSecret = await readSecretInput(flags.clientSecretEnv, '--client-secret-env', 'OAuth client secret');
      const { addGoogleAccount } = await import('../accounts/google-setup.js');
      const account = await addGoogleAccount(
        { name, clientId: flags.clientId, clientSecret, workspace: Boolean(flags.workspace), browser: flags.browser, reconcile: Boolean(flags.reconcile), limits: limitsFrom(flags) },
        signInIo(),
      );
      notice(`added account "${account.name}" (${describe(account)}); check it with \`mailshot accounts test ${account.name}\``);
    });

  limitOptions(add.command('microsoft'), { smtp: false })
    .description('a Microsoft 365 or Outlook.com account, through Microsoft Graph (MSAL sign-in)')
    .argument('<name>', 'a name for this account, used with --via')
    .requiredOption('--client-id <id>', 'application (client) id of your own app registration (public client)')
    .option('--tenant <tenant>', 'common, organizations, consumers or a tenant id', 'common')
    .option('--device-code', 'sign in with a code on another device (for machines without a browser)')
    .option('--reconcile', 'also ask to read message metadata, to settle recipients left in doubt by a crash')
    .action(async (name: string, flags: MicrosoftFlags) => {
      const { addMicrosoftAccount } = await import('../accounts/microsoft-setup.js');
      const account = await addMicrosoftAccount(
        { name, clientId: flags.clientId, tenant: flags.tenant, deviceCode: Boolean(flags.deviceCode), reconcile: Boolean(flags.reconcile), limits: limitsFrom(flags) },
        signInIo(),
      );
      notice(`added account "${account.name}" (${describe(account)}); check it with \`mailshot accounts test ${account.name}\``);
    });

  limitOptions(accounts.command('set').description("change an account's sending limits").argument('<name>', 'account name')).action(
    async (name: string, flags: LimitFlags) => {
      const limits = limitsFrom(flags);
      if (Object.values(limits).every((value) => value === undefined)) {
        throw new InputError('name at least one limit to change: --max-concurrent, --rate, --daily-limit or --per-connection');
      }
      const { setAccountLimits } = await import('../accounts/limits.js');
      notice(`limits of "${name}": ${describeLimits(await setAccountLimits(name, limits)) || 'defaults'}`);
    },
  );

  accounts
    .command('list')
    .description('the linked accounts (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const { AccountRegistry } = await import('../accounts/registry.js');
      const list = (await AccountRegistry.open()).list();
      if (flags.json) {
        process.stdout.write(JSON.stringify(list, null, 2) + '\n');
        return;
      }
      if (!list.length) {
        notice('no accounts yet; campaigns go to the outbox. Link one with `mailshot accounts add smtp NAME --host …`');
        return;
      }
      for (const account of list) process.stdout.write(`${account.name}\t${account.kind}\t${describe(account)}\n`);
    });

  accounts
    .command('test')
    .description('connect and sign in, sending nothing')
    .argument('<name>', 'account name')
    .option('--json', 'print JSON')
    .action(async (name: string, flags: { json?: boolean }) => {
      const { verifyAccount } = await import('../accounts/verify.js');
      const result = await verifyAccount(name);
      if (result.ok) {
        if (flags.json) process.stdout.write(JSON.stringify({ account: name, ok: true, ...result.facts }, null, 2) + '\n');
        else process.stdout.write(`${name}: OK\n${Object.entries(result.facts).map(([key, value]) => `  ${key}: ${value}`).join('\n')}\n`);
        return;
      }
      const { error } = result;
      if (flags.json) {
        process.stdout.write(JSON.stringify({ account: name, ok: false, kind: error.kind, code: error.details.code, error: error.message }, null, 2) + '\n');
      }
      throw new StopError(`account "${name}" (${describe(result.account)}): ${error.message}`);
    });

  accounts
    .command('remove')
    .description('forget an account and delete its stored secret')
    .argument('<name>', 'account name')
    .action(async (name: string) => {
      const [{ AccountRegistry }, { deleteSecret }] = await Promise.all([import('../accounts/registry.js'), import('../accounts/secrets.js')]);
      const registry = await AccountRegistry.open();
      const account = registry.get(name);
      await deleteSecret(name, account.secret);
      registry.remove(name);
      notice(`removed account "${name}"`);
    });
}

function describe(account: Account): string {
  const parts: string[] = [];
  if (account.kind === 'smtp') {
    parts.push(`${account.host}:${account.port}`, account.security === 'none' ? 'no TLS' : account.security);
    if (account.insecureTls) parts.push('INSECURE TLS: certificate not verified');
    if (account.user) parts.push(`user ${account.user}`);
    parts.push(account.passwordEnv ? `password from $${account.passwordEnv}` : `secret: ${account.secret}`);
  } else {
    parts.push(account.address, account.kind === 'google' ? (account.workspace ? 'Google Workspace' : 'Gmail') : `Microsoft (tenant ${account.tenant})`);
    parts.push(`token: ${account.secret}`);
    if (account.reconcile) parts.push('can look up Sent');
  }
  const limits = describeLimits(account.limits);
  if (limits) parts.push(limits);
  return parts.join(', ');
}

function describeLimits({ maxConcurrent, rate, dailyLimit, perConnection }: AccountLimits): string {
  return [
    maxConcurrent && `max ${maxConcurrent} at once`,
    rate && `rate ${rate}`,
    dailyLimit && `${dailyLimit} per 24 h`,
    perConnection && `${perConnection} per connection`,
  ].filter(Boolean).join(', ');
}

async function readPassword(flags: SmtpFlags): Promise<string> {
  if (flags.passwordStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    if (!password) throw new InputError('--password-stdin: standard input was empty');
    return password;
  }
  if (!process.stdin.isTTY) {
    throw new InputError(`--user ${flags.user} needs a password: pipe it with --password-stdin, or name a variable with --password-env`);
  }
  const { read } = await import('read');
  return read({ prompt: `Password for ${flags.user}@${flags.host}: `, silent: true, replace: '', output: process.stderr });
}

/** A secret from the environment variable named by `option`, or asked for without echo on a terminal. */
async function readSecretInput(variable: string | undefined, option: string, what: string): Promise<string> {
  if (variable !== undefined) {
    const value = process.env[variable];
    if (!value) throw new InputError(`${option} ${variable}: that variable is not set; export it first`);
    return value;
  }
  if (!process.stdin.isTTY) throw new InputError(`give the ${what} with ${option} VAR (it is never taken as a command-line argument)`);
  const { read } = await import('read');
  return read({ prompt: `${what}: `, silent: true, replace: '', output: process.stderr });
}

/** How a sign-in talks to the person: notices on stderr, the browser, and a line typed or pasted on stdin. */
function signInIo(): SignInIo {
  return {
    notice,
    warn,
    async openBrowser(url) {
      const { default: open } = await import('open');
      await open(url);
    },
    async readLine(prompt, signal) {
      const { createInterface } = await import('node:readline/promises');
      const lines = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
      try {
        return await lines.question(prompt, { signal });
      } finally {
        lines.close();
      }
    },
  };
}
