import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { addExamples } from './commands/examples.js';
import { notice, processIo } from './commands/io.js';
import { errorJson, jsonRequested } from './commands/json-output.js';
import * as completionCommand from './commands/completion.js';
import * as initCommand from './commands/init.js';
import * as reportCommand from './commands/report.js';
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
import * as campaignStatus from './commands/campaign/status.js';
import * as campaignSend from './commands/campaign/send.js';
import * as campaignTest from './commands/campaign/test.js';
import * as campaignUnlock from './commands/campaign/unlock.js';
import * as campaignValidate from './commands/campaign/validate.js';
import * as accountsAdd from './commands/accounts/add.js';
import * as accountsList from './commands/accounts/list.js';
import * as accountsRemove from './commands/accounts/remove.js';
import * as accountsSet from './commands/accounts/set.js';
import * as accountsTest from './commands/accounts/test.js';
import { setVerbosity } from './commands/verbosity.js';
import { ExitCode, MailshotError } from './errors.js';
import { guardOutput } from './system/output.js';
import { packageRoot } from './system/package-root.js';
import { terminalSafe } from './system/terminal-text.js';

// The commander program: the list of verbs. Each verb file (commands/<noun>/<verb>.ts) defines its flags and
// loads what its run needs only when it runs, so that `--help` and light commands start fast.

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
initCommand.define(program);
noun('accounts', 'link, list, test and remove sending accounts', [accountsAdd, accountsSet, accountsList, accountsTest, accountsRemove]);
noun('campaign', 'check, preview, send and follow a campaign', [
  campaignValidate,
  campaignPreview,
  campaignSend,
  campaignResume,
  campaignTest,
  campaignCheck,
  campaignReset,
  campaignCron,
  campaignStatus,
  campaignUnlock,
  campaignRepair,
]);
reportCommand.define(program);
noun('suppress', 'addresses no campaign of an account sends to (unsubscribed, bounced, complained)', [
  suppressList,
  suppressAdd,
  suppressRemove,
  suppressImport,
  suppressExport,
]);
noun('bounces', 'read bounces, complaints and unsubscribe mail from the sending mailbox', [bouncesCheck]);
completionCommand.define(program);
addExamples(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

/** A noun and its verbs, in the order its --help lists them. */
function noun(name: string, description: string, verbs: { define(noun: Command): void }[]): void {
  const command = program.command(name).description(description);
  for (const verb of verbs) verb.define(command);
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
