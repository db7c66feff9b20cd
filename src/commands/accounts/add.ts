import type { Command } from 'commander';
import type { Command as TypedCommand } from '@commander-js/extra-typings';
import type { AccountLimits, SmtpSecurity } from '../../accounts/account.js';
import type { ImapFlags } from '../../accounts/imap-settings.js';
import { presetHelp, presetNames, type PresetName } from '../../accounts/presets.js';
import type { SignInIo } from '../../accounts/sign-in/io.js';
import { InputError } from '../../errors.js';
import { proxyPasswordWarning } from '../../system/http.js';
import { notice, warn, type CommandIo } from '../io.js';
import { limitsFrom, oneOf, perConnectionOption, sendingLimitOptions, wholeNumber } from '../options.js';
import { exactly, runsWith, typed } from '../verb.js';
import { describe } from './describe.js';
import type { DkimFlags } from '../../accounts/dkim-signing.js';
import { dkimOptions, dkimStep } from './dkim-options.js';
import { readPasswordStdin } from './password-input.js';

export interface SmtpAddOptions extends AccountLimits, ImapFlags, DkimFlags {
  kind: 'smtp';
  name: string;
  host?: string;
  service?: PresetName;
  port?: number;
  security?: SmtpSecurity;
  user?: string;
  passwordStdin?: boolean;
  passwordEnv?: string;
  insecureTls?: boolean;
}

/** An API account's limits: messages-per-connection means nothing there. */
type ApiLimits = Omit<AccountLimits, 'perConnection'>;

export interface GoogleAddOptions extends ApiLimits {
  kind: 'google';
  name: string;
  clientId: string;
  clientSecretEnv?: string;
  workspace?: boolean;
  browser: boolean;
  reconcile?: boolean;
  readMail?: boolean;
}

export interface MicrosoftAddOptions extends ApiLimits {
  kind: 'microsoft';
  name: string;
  clientId: string;
  tenant: string;
  deviceCode?: boolean;
  reconcile?: boolean;
  readMail?: boolean;
}

export interface SesAddOptions extends ApiLimits {
  kind: 'ses';
  name: string;
  region: string;
}

export type AddOptions = SmtpAddOptions | GoogleAddOptions | MicrosoftAddOptions | SesAddOptions;

/** `mailshot accounts add smtp|google|ses|microsoft NAME`: one sub-command per kind of account, each with its own flags. */
export function define(accounts: Command): void {
  const add = accounts.command('add').description('link an account');
  defineSmtp(typed(add.command('smtp')));
  defineGoogle(typed(add.command('google')));
  defineSes(typed(add.command('ses')));
  defineMicrosoft(typed(add.command('microsoft')));
}

function defineSmtp(smtp: TypedCommand): void {
  dkimOptions(perConnectionOption(sendingLimitOptions(smtp)))
    .description('an SMTP server (password from stdin, an environment variable, or a prompt)')
    .argument('<name>', 'a name for this account, used with --via')
    .option('--service <provider>', `a provider's server and published limits: ${presetNames.join(', ')}`, oneOf(presetNames))
    .option('--host <host>', 'server host name (with --service: the preset host, e.g. another SES region)')
    .option('--port <port>', 'server port (default: 465 for tls, 587 for starttls, 25 for none)', wholeNumber(1))
    .option('--security <mode>', 'tls (implicit), starttls (default) or none', oneOf(['tls', 'starttls', 'none'] as const))
    .option('--user <user>', 'user name to sign in with')
    .addOption(smtp.createOption('--password-stdin', 'read the password from standard input').conflicts('passwordEnv'))
    .option('--password-env <var>', 'read the password from this environment variable at every send (nothing is stored)')
    .option('--insecure-tls', 'accept a certificate that does not verify (self-signed); avoid')
    .option('--imap-host <host>', "IMAP server for `bounces check` (default: the SMTP host's usual IMAP name, e.g. imap.example.com)")
    .option('--imap-port <port>', 'IMAP port (default 993 with tls, 143 otherwise)', wholeNumber(1))
    .option('--imap-security <mode>', 'IMAP: tls (default), starttls or none', oneOf(['tls', 'starttls', 'none'] as const))
    .addHelpText('after', `\nWhat each --service takes as the password (explicit flags override its settings):\n${presetHelp()}\n`)
    .action(runsWith(run, (name, flags) => ({ ...exactly<Flags<SmtpAddOptions>>()(flags), name, kind: 'smtp' as const })));
}

function defineGoogle(google: TypedCommand): void {
  sendingLimitOptions(google)
    .description('a Gmail or Google Workspace account, through the Gmail API (OAuth sign-in in the browser)')
    .argument('<name>', 'a name for this account, used with --via')
    .requiredOption('--client-id <id>', 'client id of your own "Desktop app" OAuth client')
    .option('--client-secret-env <var>', 'read the OAuth client secret from this environment variable (else it is asked for)')
    .option('--workspace', 'a Google Workspace account (daily limit 2,000 rather than 500)')
    .option('--no-browser', 'print the sign-in address and accept the redirected address pasted back')
    .option('--reconcile', 'also ask to read message metadata, to settle recipients left in doubt by a crash')
    .option(
      '--read-mail',
      'also ask to read your mail (gmail.readonly), so that `mailshot bounces check` finds bounces, complaints and unsubscribe requests in it',
    )
    .action(runsWith(run, (name, flags) => ({ ...exactly<Flags<GoogleAddOptions>>()(flags), name, kind: 'google' as const })));
}

function defineSes(ses: TypedCommand): void {
  sendingLimitOptions(ses)
    .description('Amazon SES through its API; AWS credentials from the environment or a shared profile, never stored')
    .argument('<name>', 'a name for this account, used with --via')
    .requiredOption('--region <region>', 'the AWS region of your SES account, e.g. eu-west-1')
    .action(runsWith(run, (name, flags) => ({ ...exactly<Flags<SesAddOptions>>()(flags), name, kind: 'ses' as const })));
}

function defineMicrosoft(microsoft: TypedCommand): void {
  sendingLimitOptions(microsoft)
    .description('a Microsoft 365 or Outlook.com account, through Microsoft Graph (MSAL sign-in)')
    .argument('<name>', 'a name for this account, used with --via')
    .requiredOption('--client-id <id>', 'application (client) id of your own app registration (public client)')
    .option('--tenant <tenant>', 'common, organizations, consumers or a tenant id', 'common')
    .option('--device-code', 'sign in with a code on another device (for machines without a browser)')
    .option('--reconcile', 'also ask to read message metadata, to settle recipients left in doubt by a crash')
    .option(
      '--read-mail',
      'also ask to read your mail (Mail.Read), so that `mailshot bounces check` finds bounces, complaints and unsubscribe requests in it',
    )
    .action(runsWith(run, (name, flags) => ({ ...exactly<Flags<MicrosoftAddOptions>>()(flags), name, kind: 'microsoft' as const })));
}

/** The options a kind's flags give: all but the kind and the name. */
type Flags<O> = Omit<O, 'kind' | 'name'>;

/** Links an account: settings checked, the secret stored, then the account; a failure leaves neither. */
export async function run(options: AddOptions, io: CommandIo): Promise<void> {
  const proxyWarning = proxyPasswordWarning();
  if (proxyWarning) warn(io, proxyWarning);
  const storeDkimKey = options.kind === 'smtp' ? await dkimStep(options, io) : undefined;
  const account =
    options.kind === 'smtp'
      ? await addSmtp(options, io)
      : options.kind === 'google'
        ? await addGoogle(options, io)
        : options.kind === 'ses'
          ? await addSes(options)
          : await addMicrosoft(options, io);
  await storeDkimKey?.(account.name);
  notice(io, `added account "${account.name}" (${describe(account)}); check it with \`mailshot accounts test ${account.name}\``);
}

async function addSmtp(options: SmtpAddOptions, io: CommandIo) {
  if (options.port !== undefined && options.port > 65535) throw new InputError(`--port ${options.port}: a port is 1 to 65535`);
  const server = await serverOf(options);
  const password = options.user && !options.passwordEnv ? await readPassword({ ...options, ...server }, io) : undefined;
  const [{ addSmtpAccount }, { imapSettingsFrom }] = await Promise.all([
    import('../../accounts/sign-in/smtp-setup.js'),
    import('../../accounts/imap-settings.js'),
  ]);
  const { name, user, passwordEnv, insecureTls, service } = options;
  const imap = imapSettingsFrom(options, server.host);
  return addSmtpAccount(
    { name, ...server, user, password, passwordEnv, insecureTls, imap, limits: server.limits, preset: service },
    (message) => warn(io, message),
  );
}

/** Host, port, security and limits: the flags given, over the `--service` preset's. */
async function serverOf(options: SmtpAddOptions) {
  const flags = { port: options.port, security: options.security, limits: limitsFrom(options) };
  if (!options.service) {
    if (!options.host) throw new InputError('name the server with --host HOST, or a provider with --service (see --help)');
    return { ...flags, host: options.host };
  }
  const { presets, presetServer } = await import('../../accounts/presets.js');
  const { mergeLimits } = await import('../../accounts/limits.js');
  const preset = await presetServer(options.service);
  return {
    host: options.host ?? preset.host,
    port: options.port ?? (options.host ? undefined : preset.port),
    security: options.security ?? preset.security,
    limits: mergeLimits(presets[options.service].limits, flags.limits),
  };
}

/** An SES account holds its region and limits only: the AWS credentials stay where the AWS tools keep them. */
async function addSes(options: SesAddOptions) {
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(options.region)) {
    throw new InputError(`--region ${options.region}: not an AWS region; write it as SES names it, e.g. us-east-1 or eu-west-1`);
  }
  const { AccountRegistry } = await import('../../accounts/registry.js');
  const registry = await AccountRegistry.open();
  registry.checkNewName(options.name);
  const account = {
    kind: 'ses' as const,
    name: options.name,
    region: options.region,
    secret: 'none' as const,
    limits: limitsFrom(options),
    createdAt: new Date().toISOString(),
  };
  await registry.add(account);
  return account;
}

async function addGoogle(options: GoogleAddOptions, io: CommandIo) {
  const clientSecret = await readSecretInput(options.clientSecretEnv, '--client-secret-env', 'OAuth client secret', io);
  const { addGoogleAccount } = await import('../../accounts/sign-in/google-setup.js');
  const { name, clientId, browser } = options;
  const setup = {
    name,
    clientId,
    clientSecret,
    workspace: Boolean(options.workspace),
    browser,
    reconcile: Boolean(options.reconcile),
    readMail: Boolean(options.readMail),
    limits: limitsFrom(options),
  };
  return addGoogleAccount(setup, signInIo(io));
}

async function addMicrosoft(options: MicrosoftAddOptions, io: CommandIo) {
  const { addMicrosoftAccount } = await import('../../accounts/sign-in/microsoft-setup.js');
  const { name, clientId, tenant } = options;
  const setup = {
    name,
    clientId,
    tenant,
    deviceCode: Boolean(options.deviceCode),
    reconcile: Boolean(options.reconcile),
    readMail: Boolean(options.readMail),
    limits: limitsFrom(options),
  };
  return addMicrosoftAccount(setup, signInIo(io));
}

async function readPassword(options: SmtpAddOptions & { host: string }, io: CommandIo): Promise<string> {
  if (options.passwordStdin) return readPasswordStdin(io);
  if (!io.isTTY.stdin) {
    throw new InputError(`--user ${options.user} needs a password: pipe it with --password-stdin, or name a variable with --password-env`);
  }
  return io.prompt(`Password for ${options.user}@${options.host}: `, { secret: true });
}

/** A secret from the environment variable named by `option`, or asked for without echo on a terminal. */
async function readSecretInput(variable: string | undefined, option: string, what: string, io: CommandIo): Promise<string> {
  if (variable !== undefined) {
    const value = process.env[variable];
    if (!value) throw new InputError(`${option} ${variable}: that variable is not set; export it first`);
    return value;
  }
  if (!io.isTTY.stdin) throw new InputError(`give the ${what} with ${option} VAR (it is never taken as a command-line argument)`);
  return io.prompt(`${what}: `, { secret: true });
}

/** How a sign-in talks to the person: notices on stderr, the browser, and a line typed or pasted on stdin. */
function signInIo(io: CommandIo): SignInIo {
  return {
    notice: (message) => notice(io, message),
    warn: (message) => warn(io, message),
    async openBrowser(url) {
      const { default: open } = await import('open');
      await open(url);
    },
    readLine: (prompt, signal) => io.prompt(prompt, { signal }),
  };
}
