import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Argument, Command, CommanderError } from 'commander';
import { addExamples } from './commands/examples.js';
import { notice, processIo } from './commands/io.js';
import { errorJson, jsonRequested } from './commands/json-output.js';
import { oneOf } from './commands/options.js';
import { formats, type Format } from './commands/report.js';
import * as bouncesCheck from './commands/bounces/check.js';
import * as suppressAdd from './commands/suppress/add.js';
import * as suppressExport from './commands/suppress/export.js';
import * as suppressImport from './commands/suppress/import.js';
import * as suppressList from './commands/suppress/list.js';
import * as suppressRemove from './commands/suppress/remove.js';
import * as campaignCheck from './commands/campaign/check.js';
import * as campaignCron from './commands/campaign/cron.js';
import * as campaignPreview from './commands/campaign/preview.js';
import * as campaignRepair from './commands/campaign/repair.js';
import * as campaignReset from './commands/campaign/reset.js';
import * as campaignResume from './commands/campaign/resume.js';
import * as campaignSend from './commands/campaign/send.js';
import * as campaignTest from './commands/campaign/test.js';
import * as campaignUnlock from './commands/campaign/unlock.js';
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

/** In the order `campaign --help` lists them. */
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
  for (const verb of [campaignPreview, campaignSend, campaignResume, campaignTest, campaignCheck, campaignReset, campaignCron]) {
    verb.define(campaign);
  }
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
  for (const verb of [campaignUnlock, campaignRepair]) verb.define(campaign);
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
