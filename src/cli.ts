import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Argument, Command, CommanderError } from 'commander';
import { addExamples } from './commands/examples.js';
import { notice, processIo } from './commands/io.js';
import { errorJson, jsonRequested } from './commands/json-output.js';
import { limitOptions, oneOf, wholeNumber } from './commands/options.js';
import { formats, type Format } from './commands/report.js';
import * as bouncesCheck from './commands/bounces/check.js';
import * as suppressAdd from './commands/suppress/add.js';
import * as suppressExport from './commands/suppress/export.js';
import * as suppressImport from './commands/suppress/import.js';
import * as suppressList from './commands/suppress/list.js';
import * as suppressRemove from './commands/suppress/remove.js';
import { landingCheckOptions, registerCampaignCheck } from './commands/campaign/check-command.js';
import * as accountsAdd from './commands/accounts/add.js';
import * as accountsList from './commands/accounts/list.js';
import * as accountsRemove from './commands/accounts/remove.js';
import * as accountsSet from './commands/accounts/set.js';
import * as accountsTest from './commands/accounts/test.js';
import { runs } from './commands/lazy-action.js';
import { setVerbosity } from './commands/verbosity.js';
import { ExitCode, MailshotError } from './errors.js';
import { guardOutput } from './system/output.js';
import { packageRoot } from './system/package-root.js';
import { terminalSafe } from './system/terminal-text.js';

// The commander program only: each action loads its command (commands/<noun>/<verb>.ts) when it runs, so that
// `--help` and light commands start fast, and hands it its options and the process's streams.

const { version } = JSON.parse(readFileSync(path.join(packageRoot(import.meta.url), 'package.json'), 'utf8')) as { version: string };
// Under --json, stderr carries errors as one JSON object each: commander's own text is held back.
const json = jsonRequested(process.argv.slice(2));

guardOutput();

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
  .action(
    runs(
      () => import('./commands/init.js'),
      (dir: string) => ({ dir }),
    ),
  );
const accounts = program.command('accounts').description('link, list, test and remove sending accounts');
for (const verb of [accountsAdd, accountsSet, accountsList, accountsTest, accountsRemove]) verb.define(accounts);
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
  .action(
    runs(
      () => import('./commands/report.js'),
      (file: string, flags: { format: Format }) => ({ ...flags, file }),
    ),
  );
const suppress = program
  .command('suppress')
  .description('addresses no campaign of an account sends to (unsubscribed, bounced, complained)');
for (const verb of [suppressList, suppressAdd, suppressRemove, suppressImport, suppressExport]) verb.define(suppress);
bouncesCheck.define(program.command('bounces').description('read bounces, complaints and unsubscribe mail from the sending mailbox'));
program
  .command('completion')
  .description('print a shell completion script (bash, zsh or fish)')
  .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
  .addHelpText(
    'after',
    '\nExamples:\n  $ source <(mailshot completion bash)            # this shell; add it to ~/.bashrc to keep it\n' +
      '  $ mailshot completion zsh > "${fpath[1]}/_mailshot"\n  $ mailshot completion fish > ~/.config/fish/completions/mailshot.fish',
  )
  .action(
    runs(
      () => import('./commands/completion.js'),
      (shell: 'bash' | 'zsh' | 'fish') => ({ shell, program }),
    ),
  );
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
    .action(
      runs(
        () => import('./commands/campaign/validate.js'),
        (file: string, flags: object) => ({ ...flags, file }),
      ),
    );
  campaign
    .command('preview')
    .description("print one recipient's rendered message")
    .argument('<file>', 'campaign YAML file')
    .option('--row <n>', 'data row of the CSV (1 = first recipient)', wholeNumber(1), 1)
    .option('--raw', 'print the complete MIME message instead')
    .option('--open', 'open the HTML part in the browser, images included (the page is written to a temporary file, whose path is printed)')
    .option('--json', 'print the rendered parts as JSON (with --raw: the MIME message as a string)')
    .action(
      runs(
        () => import('./commands/campaign/preview.js'),
        (file: string, flags: { row: number }) => ({ ...flags, file }),
      ),
    );
  runOptions(campaign.command('send').description('send the campaign (continues it if it was started before)'))
    .option('--at <time>', 'start later: an ISO time or e.g. "tomorrow 09:00"; then run `resume` from cron, or add --wait')
    .option('--spread <duration>', "space the deliveries evenly over this long, e.g. 6h, 90m or 2d (the account's rate still applies)")
    .option('--yes', 'do not ask before a first real send (no question is asked without a terminal)')
    .option('--require-deliverability', 'stop a first real send when a `campaign check` of SPF, DKIM or DMARC fails')
    .action(
      runs(
        () => import('./commands/campaign/send.js'),
        (file: string, flags: { inDoubt: 'resend' | 'skip' }) => ({ ...flags, file }),
      ),
    );
  runOptions(campaign.command('resume').description('continue a paused or interrupted campaign (safe from cron)')).action(
    runs(
      () => import('./commands/campaign/resume.js'),
      (file: string, flags: { inDoubt: 'resend' | 'skip' }) => ({ ...flags, file }),
    ),
  );
  landingCheckOptions(campaign.command('test'))
    .description("send one row's message, marked [TEST], to the given addresses only; no campaign recipient gets it")
    .argument('<file>', 'campaign YAML file')
    .option('--to <addresses>', "comma-separated addresses to send the test to (with --check: default the account's own)")
    .option('--row <n>', 'data row of the CSV whose message to send (1 = first recipient)', wholeNumber(1), 1)
    .option('--via <account>', 'send through this account (default: the campaign\'s "via", else the outbox)')
    .action(
      runs(
        () => import('./commands/campaign/test.js'),
        (file: string, flags: { to?: string; row: number }) => ({ ...flags, file }),
      ),
    );
  campaignStateCommands(campaign);
}

/** `check` (deliverability), then the commands that look after a campaign's state: reset, cron, status, unlock, repair. */
function campaignStateCommands(campaign: Command): void {
  registerCampaignCheck(campaign);
  campaign
    .command('reset')
    .description("move the campaign's state folder aside (kept, never deleted) so that it can be sent again from the start")
    .argument('<file>', 'campaign YAML file')
    .option('--state <dir>', 'state folder')
    .action(
      runs(
        () => import('./commands/campaign/reset.js'),
        (file: string, flags: object) => ({ ...flags, file }),
      ),
    );
  campaign
    .command('cron')
    .description('print a crontab line that resumes the campaign every few minutes')
    .argument('<file>', 'campaign YAML file')
    .option(
      '--every <minutes>',
      'how often, in minutes: one that divides an hour (1-30) or a number of hours that divides a day',
      wholeNumber(1),
      5,
    )
    .option('--state <dir>', 'state folder')
    .option('--bounces <account>', 'also print a line that runs `mailshot bounces check ACCOUNT` every hour')
    .action(
      runs(
        () => import('./commands/campaign/cron.js'),
        (file: string, flags: { every: number }) => ({ ...flags, file }),
      ),
    );
  campaignRepairCommands(campaign);
}

/** Commands for a campaign whose state needs a hand: status, unlock, repair. */
function campaignRepairCommands(campaign: Command): void {
  campaign
    .command('status')
    .description('where a campaign stands')
    .argument('<file>', 'campaign YAML file')
    .option('--state <dir>', 'state folder')
    .option('--json', 'print JSON')
    .action(
      runs(
        () => import('./commands/campaign/status.js'),
        (file: string, flags: object) => ({ ...flags, file }),
      ),
    );
  campaign
    .command('unlock')
    .description(
      "remove the campaign's lock left by a run that cannot be checked (another host, a reused pid); refuses while its owner runs here",
    )
    .argument('<file>', 'campaign YAML file')
    .option('--state <dir>', 'state folder')
    .action(
      runs(
        () => import('./commands/campaign/unlock.js'),
        (file: string, flags: object) => ({ ...flags, file }),
      ),
    );
  campaign
    .command('repair')
    .description('rebuild state.json from the journal (keeping the campaign id, so resent messages keep their Message-IDs); sends nothing')
    .argument('<file>', 'campaign YAML file')
    .option('--state <dir>', 'state folder')
    .action(
      runs(
        () => import('./commands/campaign/repair.js'),
        (file: string, flags: object) => ({ ...flags, file }),
      ),
    );
}

/** The options `send` and `resume` share. */
function runOptions(command: Command): Command {
  return limitOptions(command)
    .argument('<file>', 'campaign YAML file')
    .option('--via <account>', 'send through this account (default: the campaign\'s "via", else the outbox)')
    .option('--limit <n>', 'hand at most N messages to the server in this run', wholeNumber(0))
    .option(
      '--state <dir>',
      'state folder (default: .mailshot/<campaign file name>/ beside the campaign file, e.g. .mailshot/campaign.yaml/)',
    )
    .option(
      '--in-doubt <policy>',
      'recipients whose outcome was not recorded: resend or skip',
      oneOf(['resend', 'skip'] as const),
      'resend',
    )
    .option('--wait', 'when nothing is due yet (a schedule, a pause), wait in the foreground instead of exiting 75')
    .option(
      '--notify-command <cmd>',
      'run this shell command when the run ends (MAILSHOT_EVENT, MAILSHOT_CAMPAIGN, MAILSHOT_SENT … in its environment)',
    )
    .option('--json', 'one JSON event per line on stdout');
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
  process.stderr.write(
    `mailshot: unexpected error: ${terminalSafe(detail ?? String(error))}\n(set MAILSHOT_DEBUG=1 for details, and please report it)\n`,
  );
  return ExitCode.mustFix;
}
