import { Command, Option } from 'commander';
import { presetHelp, presetNames } from '../../accounts/presets.js';
import { runs } from '../lazy-action.js';
import { limitOptions, oneOf, wholeNumber } from '../options.js';
import { dkimOptions } from './dkim-options.js';

// The `accounts` commands as commander wires them; each action loads its command (accounts/<verb>.ts) when it runs.

export function accountCommands(accounts: Command): void {
  addCommands(accounts.command('add').description('link an account'));
  dkimOptions(
    limitOptions(
      accounts
        .command('set')
        .description("change an account's sending limits, its SMTP password, or where its mailbox is read")
        .argument('<name>', 'account name'),
    ),
  )
    .option('--forget-learned', 'forget the concurrency the server refused in an earlier run (--max-concurrent replaces it too)')
    .addOption(new Option('--password-stdin', 'SMTP accounts: a new password, from standard input').conflicts('passwordEnv'))
    .option(
      '--password-env <var>',
      'SMTP accounts: read the password from this variable at every send from now on (the stored one is deleted)',
    )
    .option('--imap-host <host>', 'IMAP server for `bounces check`')
    .option('--imap-port <port>', 'IMAP port', wholeNumber(1))
    .option('--imap-security <mode>', 'IMAP: tls, starttls or none', oneOf(['tls', 'starttls', 'none'] as const))
    .action(
      runs(
        () => import('./set.js'),
        (name: string, flags: object) => ({ ...flags, name }),
      ),
    );
  accounts
    .command('list')
    .description('the linked accounts (never their secrets)')
    .option('--json', 'print JSON')
    .action(
      runs(
        () => import('./list.js'),
        (flags: { json?: boolean }) => flags,
      ),
    );
  accounts
    .command('test')
    .description('connect and sign in, sending nothing')
    .argument('<name>', 'account name')
    .option('--json', 'print JSON')
    .action(
      runs(
        () => import('./test.js'),
        (name: string, flags: object) => ({ ...flags, name }),
      ),
    );
  accounts
    .command('remove')
    .description('forget an account and delete its stored secret')
    .argument('<name>', 'account name')
    .action(
      runs(
        () => import('./remove.js'),
        (name: string) => ({ name }),
      ),
    );
}

function addCommands(add: Command): void {
  const load = () => import('./add.js');
  dkimOptions(limitOptions(add.command('smtp')))
    .description('an SMTP server (password from stdin, an environment variable, or a prompt)')
    .argument('<name>', 'a name for this account, used with --via')
    .option('--service <provider>', `a provider's server and published limits: ${presetNames.join(', ')}`, oneOf(presetNames))
    .option('--host <host>', 'server host name (with --service: the preset host, e.g. another SES region)')
    .option('--port <port>', 'server port (default: 465 for tls, 587 for starttls, 25 for none)', wholeNumber(1))
    .option('--security <mode>', 'tls (implicit), starttls (default) or none', oneOf(['tls', 'starttls', 'none'] as const))
    .option('--user <user>', 'user name to sign in with')
    .addOption(new Option('--password-stdin', 'read the password from standard input').conflicts('passwordEnv'))
    .option('--password-env <var>', 'read the password from this environment variable at every send (nothing is stored)')
    .option('--insecure-tls', 'accept a certificate that does not verify (self-signed); avoid')
    .option('--imap-host <host>', "IMAP server for `bounces check` (default: the SMTP host's usual IMAP name, e.g. imap.example.com)")
    .option('--imap-port <port>', 'IMAP port (default 993 with tls, 143 otherwise)', wholeNumber(1))
    .option('--imap-security <mode>', 'IMAP: tls (default), starttls or none', oneOf(['tls', 'starttls', 'none'] as const))
    .addHelpText('after', `\nWhat each --service takes as the password (explicit flags override its settings):\n${presetHelp()}\n`)
    .action(runs(load, (name: string, flags: object) => ({ ...flags, name, kind: 'smtp' as const })));
  limitOptions(add.command('google'), { smtp: false })
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
    .action(runs(load, (name: string, flags: { clientId: string; browser: boolean }) => ({ ...flags, name, kind: 'google' as const })));
  limitOptions(add.command('ses'), { smtp: false })
    .description('Amazon SES through its API; AWS credentials from the environment or a shared profile, never stored')
    .argument('<name>', 'a name for this account, used with --via')
    .requiredOption('--region <region>', 'the AWS region of your SES account, e.g. eu-west-1')
    .action(runs(load, (name: string, flags: { region: string }) => ({ ...flags, name, kind: 'ses' as const })));
  limitOptions(add.command('microsoft'), { smtp: false })
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
    .action(runs(load, (name: string, flags: { clientId: string; tenant: string }) => ({ ...flags, name, kind: 'microsoft' as const })));
}
