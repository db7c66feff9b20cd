import { createRequire } from 'node:module';
import { Argument, Command, CommanderError, Option } from 'commander';
import { addExamples } from './commands/examples.js';
import { notice, processIo, type CommandIo } from './commands/io.js';
import { errorJson, jsonRequested } from './commands/json-output.js';
import { limitOptions, oneOf, wholeNumber } from './commands/options.js';
import { formats, type Format } from './commands/report.js';
import { registerBounces } from './commands/bounces.js';
import { registerSuppress } from './commands/suppress.js';
import { setVerbosity } from './commands/verbosity.js';
import { ExitCode, MailshotError } from './errors.js';

// The commander program only: each action loads its command (commands/<noun>/<verb>.ts) when it runs, so that
// `--help` and light commands start fast, and hands it its options and the process's streams.

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
// Under --json, stderr carries errors as one JSON object each: commander's own text is held back.
const json = jsonRequested(process.argv.slice(2));

type Run<O> = (options: O, io: CommandIo) => Promise<number | void>;

/** An action that loads the command, runs it with the options made of the arguments, and keeps the exit code it returns. */
function runs<A extends unknown[], O>(load: () => Promise<{ run: Run<O> }>, options: (...args: A) => O) {
  return async (...args: A) => {
    const { run } = await load();
    const code = await run(options(...args), processIo());
    if (typeof code === 'number') process.exitCode = code;
  };
}

const program = new Command('mailshot')
  .description('Send personalised email campaigns through your own SMTP, Gmail or Microsoft 365 account.')
  .version(version)
  .option('-q, --quiet', 'results and errors only: no progress, no bell, no desktop notification')
  .option('-v, --verbose', "each recipient's outcome as a line")
  .option('--debug', 'also the SMTP conversation and HTTP requests (credentials redacted)')
  .hook('preAction', (_program, action) => setVerbosity(action.optsWithGlobals(), process.stderr))
  .exitOverride()
  .configureOutput(json ? { writeErr: () => undefined } : {})
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText(
    'after',
    '\nExit codes: 0 done · 1 stopped, something to fix · 2 bad usage or invalid input · 75 paused or deferred: run `mailshot campaign resume` later',
  );
program
  .command('init')
  .description('write a small working campaign (campaign.yaml, body.md, recipients.csv) to start from')
  .argument('[dir]', 'folder to write it in (created if missing)', '.')
  .addHelpText('after', '\nExamples:\n  $ mailshot init newsletter\n  $ mailshot campaign validate newsletter/campaign.yaml')
  .action(runs(() => import('./commands/init.js'), (dir: string) => ({ dir })));
accountCommands(program.command('accounts').description('link, list, test and remove sending accounts'));
campaignCommands(program.command('campaign').description('check, preview, send and follow a campaign'));
program
  .command('report')
  .description('what happened to every recipient of a campaign')
  .argument('<file>', 'campaign YAML file')
  .option('--format <format>', 'table, json, csv or html', oneOf(Object.keys(formats) as Format[]), 'table')
  .option('--failed', 'only recipients that did not get the message: failed, deferred and in doubt')
  .option('--state <dir>', 'state folder')
  .option('--output <file>', 'write the report to this file (html default: report.html in the state folder; others: stdout)')
  .option('--open', 'html: open the page in the browser')
  .action(runs(() => import('./commands/report.js'), (file: string, flags: { format: Format }) => ({ ...flags, file })));
registerSuppress(program);
registerBounces(program);
program
  .command('completion')
  .description('print a shell completion script (bash, zsh or fish)')
  .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
  .addHelpText(
    'after',
    '\nExamples:\n  $ source <(mailshot completion bash)            # this shell; add it to ~/.bashrc to keep it\n' +
      '  $ mailshot completion zsh > "${fpath[1]}/_mailshot"\n  $ mailshot completion fish > ~/.config/fish/completions/mailshot.fish',
  )
  .action(runs(() => import('./commands/completion.js'), (shell: 'bash' | 'zsh' | 'fish') => ({ shell, program })));
addExamples(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function campaignCommands(campaign: Command): void {
  campaign
    .command('validate')
    .description('check the campaign file, templates and every recipient row; sends nothing')
    .argument('<file>', 'campaign YAML file')
    .option('--via <account>', "also check the messages against this account's size limit (default: the campaign's via)")
    .option('--json', 'print the result as JSON')
    .action(runs(() => import('./commands/campaign/validate.js'), (file: string, flags: object) => ({ ...flags, file })));
  campaign
    .command('preview')
    .description("print one recipient's rendered message")
    .argument('<file>', 'campaign YAML file')
    .option('--row <n>', 'data row of the CSV (1 = first recipient)', wholeNumber(1), 1)
    .option('--raw', 'print the complete MIME message instead')
    .option('--open', 'open the HTML part in the browser, images included (the page is written to a temporary file, whose path is printed)')
    .option('--json', 'print the rendered parts as JSON (with --raw: the MIME message as a string)')
    .action(runs(() => import('./commands/campaign/preview.js'), (file: string, flags: { row: number }) => ({ ...flags, file })));
  runOptions(campaign.command('send').description('send the campaign (continues it if it was started before)'))
    .option('--at <time>', 'start later: an ISO time or e.g. "tomorrow 09:00"; then run `resume` from cron, or add --wait')
    .option('--spread <duration>', "space the deliveries evenly over this long, e.g. 6h, 90m or 2d (the account's rate still applies)")
    .option('--yes', 'do not ask before a first real send (no question is asked without a terminal)')
    .action(runs(() => import('./commands/campaign/send.js'), (file: string, flags: { inDoubt: 'resend' | 'skip' }) => ({ ...flags, file })));
  runOptions(campaign.command('resume').description('continue a paused or interrupted campaign (safe from cron)')).action(
    runs(() => import('./commands/campaign/resume.js'), (file: string, flags: { inDoubt: 'resend' | 'skip' }) => ({ ...flags, file })),
  );
  campaign
    .command('test')
    .description("send one row's message, marked [TEST], to the given addresses only; no campaign recipient gets it")
    .argument('<file>', 'campaign YAML file')
    .requiredOption('--to <addresses>', 'comma-separated addresses to send the test to')
    .option('--row <n>', 'data row of the CSV whose message to send (1 = first recipient)', wholeNumber(1), 1)
    .option('--via <account>', 'send through this account (default: the campaign\'s "via", else the outbox)')
    .action(runs(() => import('./commands/campaign/test.js'), (file: string, flags: { to: string; row: number }) => ({ ...flags, file })));
  campaign
    .command('reset')
    .description("move the campaign's state folder aside (kept, never deleted) so that it can be sent again from the start")
    .argument('<file>', 'campaign YAML file')
    .option('--state <dir>', 'state folder')
    .action(runs(() => import('./commands/campaign/reset.js'), (file: string, flags: object) => ({ ...flags, file })));
  campaign
    .command('cron')
    .description('print a crontab line that resumes the campaign every few minutes')
    .argument('<file>', 'campaign YAML file')
    .option('--every <minutes>', 'how often, in minutes: one that divides an hour (1-30) or a number of hours that divides a day', wholeNumber(1), 5)
    .option('--state <dir>', 'state folder')
    .option('--bounces <account>', 'also print a line that runs `mailshot bounces check ACCOUNT` every hour')
    .action(runs(() => import('./commands/campaign/cron.js'), (file: string, flags: { every: number }) => ({ ...flags, file })));
  campaign
    .command('status')
    .description('where a campaign stands')
    .argument('<file>', 'campaign YAML file')
    .option('--state <dir>', 'state folder')
    .option('--json', 'print JSON')
    .action(runs(() => import('./commands/campaign/status.js'), (file: string, flags: object) => ({ ...flags, file })));
}

/** The options `send` and `resume` share. */
function runOptions(command: Command): Command {
  return limitOptions(command)
    .argument('<file>', 'campaign YAML file')
    .option('--via <account>', 'send through this account (default: the campaign\'s "via", else the outbox)')
    .option('--limit <n>', 'hand at most N messages to the server in this run', wholeNumber(0))
    .option('--state <dir>', 'state folder (default: .mailshot/<campaign file name>/ beside the campaign file, e.g. .mailshot/campaign.yaml/)')
    .option('--in-doubt <policy>', 'recipients whose outcome was not recorded: resend or skip', oneOf(['resend', 'skip'] as const), 'resend')
    .option('--wait', 'when nothing is due yet (a schedule, a pause), wait in the foreground instead of exiting 75')
    .option('--notify-command <cmd>', 'run this shell command when the run ends (MAILSHOT_EVENT, MAILSHOT_CAMPAIGN, MAILSHOT_SENT … in its environment)')
    .option('--json', 'one JSON event per line on stdout');
}

function accountCommands(accounts: Command): void {
  addCommands(accounts.command('add').description('link an account'));
  limitOptions(accounts.command('set').description("change an account's sending limits (or where its mailbox is read)").argument('<name>', 'account name'))
    .option('--imap-host <host>', 'IMAP server for `bounces check`')
    .option('--imap-port <port>', 'IMAP port', wholeNumber(1))
    .option('--imap-security <mode>', 'IMAP: tls, starttls or none', oneOf(['tls', 'starttls', 'none'] as const))
    .action(
    runs(() => import('./commands/accounts/set.js'), (name: string, flags: object) => ({ ...flags, name })),
  );
  accounts
    .command('list')
    .description('the linked accounts (never their secrets)')
    .option('--json', 'print JSON')
    .action(runs(() => import('./commands/accounts/list.js'), (flags: { json?: boolean }) => flags));
  accounts
    .command('test')
    .description('connect and sign in, sending nothing')
    .argument('<name>', 'account name')
    .option('--json', 'print JSON')
    .action(runs(() => import('./commands/accounts/test.js'), (name: string, flags: object) => ({ ...flags, name })));
  accounts
    .command('remove')
    .description('forget an account and delete its stored secret')
    .argument('<name>', 'account name')
    .action(runs(() => import('./commands/accounts/remove.js'), (name: string) => ({ name })));
}

function addCommands(add: Command): void {
  const load = () => import('./commands/accounts/add.js');
  limitOptions(add.command('smtp'))
    .description('an SMTP server (password from stdin, an environment variable, or a prompt)')
    .argument('<name>', 'a name for this account, used with --via')
    .requiredOption('--host <host>', 'server host name')
    .option('--port <port>', 'server port (default: 465 for tls, 587 for starttls, 25 for none)', wholeNumber(1))
    .option('--security <mode>', 'tls (implicit), starttls (default) or none', oneOf(['tls', 'starttls', 'none'] as const))
    .option('--user <user>', 'user name to sign in with')
    .addOption(new Option('--password-stdin', 'read the password from standard input').conflicts('passwordEnv'))
    .option('--password-env <var>', 'read the password from this environment variable at every send (nothing is stored)')
    .option('--insecure-tls', 'accept a certificate that does not verify (self-signed); avoid')
    .option('--imap-host <host>', "IMAP server for `bounces check` (default: the SMTP host's usual IMAP name, e.g. imap.example.com)")
    .option('--imap-port <port>', 'IMAP port (default 993 with tls, 143 otherwise)', wholeNumber(1))
    .option('--imap-security <mode>', 'IMAP: tls (default), starttls or none', oneOf(['tls', 'starttls', 'none'] as const))
    .action(runs(load, (name: string, flags: { host: string }) => ({ ...flags, name, kind: 'smtp' as const })));
  limitOptions(add.command('google'), { smtp: false })
    .description('a Gmail or Google Workspace account, through the Gmail API (OAuth sign-in in the browser)')
    .argument('<name>', 'a name for this account, used with --via')
    .requiredOption('--client-id <id>', 'client id of your own "Desktop app" OAuth client')
    .option('--client-secret-env <var>', 'read the OAuth client secret from this environment variable (else it is asked for)')
    .option('--workspace', 'a Google Workspace account (daily limit 2,000 rather than 500)')
    .option('--no-browser', 'print the sign-in address and accept the redirected address pasted back')
    .option('--reconcile', 'also ask to read message metadata, to settle recipients left in doubt by a crash')
    .option('--read-mail', 'also ask to read your mail (gmail.readonly), so that `mailshot bounces check` finds bounces, complaints and unsubscribe requests in it')
    .action(runs(load, (name: string, flags: { clientId: string; browser: boolean }) => ({ ...flags, name, kind: 'google' as const })));
  limitOptions(add.command('microsoft'), { smtp: false })
    .description('a Microsoft 365 or Outlook.com account, through Microsoft Graph (MSAL sign-in)')
    .argument('<name>', 'a name for this account, used with --via')
    .requiredOption('--client-id <id>', 'application (client) id of your own app registration (public client)')
    .option('--tenant <tenant>', 'common, organizations, consumers or a tenant id', 'common')
    .option('--device-code', 'sign in with a code on another device (for machines without a browser)')
    .option('--reconcile', 'also ask to read message metadata, to settle recipients left in doubt by a crash')
    .option('--read-mail', 'also ask to read your mail (Mail.Read), so that `mailshot bounces check` finds bounces, complaints and unsubscribe requests in it')
    .action(runs(load, (name: string, flags: { clientId: string; tenant: string }) => ({ ...flags, name, kind: 'microsoft' as const })));
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message; its own code for usage errors is 1, ours is 2.
    if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code)) return ExitCode.done;
    if (json) process.stderr.write(errorJson(ExitCode.badInput, error.message.replace(/^error: /, '')));
    return ExitCode.badInput;
  }
  if (error instanceof MailshotError) {
    if (json) process.stderr.write(errorJson(error.exitCode, error.message));
    else notice(processIo(), error.message);
    return error.exitCode;
  }
  const detail = process.env.MAILSHOT_DEBUG ? (error as Error)?.stack : (error as Error)?.message;
  process.stderr.write(`mailshot: unexpected error: ${detail ?? String(error)}\n(set MAILSHOT_DEBUG=1 for details, and please report it)\n`);
  return ExitCode.mustFix;
}
