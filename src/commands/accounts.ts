import { Option, type Command } from 'commander';
import type { Account, AccountLimits, SmtpSecurity } from '../accounts/account.js';
import { InputError, StopError } from '../errors.js';
import { limitOptions, limitsFrom, notice, oneOf, warn, wholeNumber, type LimitFlags } from './options.js';

interface SmtpFlags extends LimitFlags {
  host: string;
  port?: number;
  security?: SmtpSecurity;
  user?: string;
  passwordStdin?: boolean;
  passwordEnv?: string;
  from?: string;
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
    .option('--from <address>', 'default sender address for this account')
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
          from: flags.from,
          limits: limitsFrom(flags),
        },
        warn,
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
  const parts = [`${account.host}:${account.port}`, account.security === 'none' ? 'no TLS' : account.security];
  if (account.insecureTls) parts.push('INSECURE TLS: certificate not verified');
  if (account.user) parts.push(`user ${account.user}`);
  parts.push(account.passwordEnv ? `password from $${account.passwordEnv}` : `secret: ${account.secret}`);
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
