import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { addExamples } from './examples.js';
import { notice, type CommandIo } from './io.js';
import { errorJson, jsonRequested } from './json-output.js';
import * as completionCommand from './completion.js';
import * as initCommand from './init.js';
import * as reportCommand from './report.js';
import * as bouncesCheck from './bounces/check.js';
import * as suppressAdd from './suppress/add.js';
import * as suppressExport from './suppress/export.js';
import * as suppressImport from './suppress/import.js';
import * as suppressList from './suppress/list.js';
import * as suppressRemove from './suppress/remove.js';
import * as campaignCheck from './campaign/check.js';
import * as campaignCron from './campaign/cron.js';
import * as campaignPreview from './campaign/preview.js';
import * as campaignRepair from './campaign/repair.js';
import * as campaignReset from './campaign/reset.js';
import * as campaignResume from './campaign/resume.js';
import * as campaignStatus from './campaign/status.js';
import * as campaignSend from './campaign/send.js';
import * as campaignTest from './campaign/test.js';
import * as campaignUnlock from './campaign/unlock.js';
import * as campaignValidate from './campaign/validate.js';
import * as accountsAdd from './accounts/add.js';
import * as accountsList from './accounts/list.js';
import * as accountsRemove from './accounts/remove.js';
import * as accountsSet from './accounts/set.js';
import * as accountsTest from './accounts/test.js';
import { setVerbosity } from './verbosity.js';
import { withSession } from './verb.js';
import { ExitCode, MailshotError } from '../errors.js';
import { packageRoot } from '../system/package-root.js';
import { terminalSafe } from '../system/terminal-text.js';

// The commander program: the list of verbs. Each verb file (commands/<noun>/<verb>.ts) defines its flags and
// loads what its run needs only when it runs, so that `--help` and light commands start fast.

const { version } = JSON.parse(readFileSync(path.join(packageRoot(import.meta.url), 'package.json'), 'utf8')) as { version: string };

/** Runs `mailshot ARGS…` in these streams (the process's own in cli.ts, a fake terminal in tests); returns the exit code. */
export async function mailshot(args: string[], io: CommandIo): Promise<number> {
  // Under --json, stderr carries errors as one JSON object each: commander's own text is held back.
  const json = jsonRequested(args);
  const program = new Command('mailshot')
    .description('Send personalised email campaigns through your own SMTP, Gmail or Microsoft 365 account.')
    .version(version)
    .option('-q, --quiet', 'results and errors only: no progress, no bell, no desktop notification')
    .option('-v, --verbose', "each recipient's outcome as a line")
    .option('--debug', 'also the SMTP conversation and HTTP requests (credentials redacted)')
    .hook('preAction', (_program, action) => setVerbosity(action.optsWithGlobals(), io.stderr))
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void (json ? undefined : io.stderr.write(text)),
    })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done · 1 stopped, something to fix · 2 bad usage or invalid input · 75 paused or deferred: run `mailshot campaign resume` later',
    );
  defineVerbs(program);
  const session = withSession(program, io);
  try {
    await program.parseAsync(args, { from: 'user' });
    return session.exitCode;
  } catch (error) {
    return exitCodeFor(error, io, json);
  }
}

function defineVerbs(program: Command): void {
  const noun = (name: string, description: string, verbs: { define(noun: Command): void }[]) => {
    const command = program.command(name).description(description);
    for (const verb of verbs) verb.define(command);
  };
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
}

function exitCodeFor(error: unknown, io: CommandIo, json: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message; its own code for usage errors is 1, ours is 2.
    if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code)) return ExitCode.done;
    if (json) io.stderr.write(errorJson(ExitCode.badInput, error.message.replace(/^error: /, '')));
    return ExitCode.badInput;
  }
  if (error instanceof MailshotError) {
    if (json) io.stderr.write(errorJson(error.exitCode, error.message));
    else notice(io, error.message);
    return error.exitCode;
  }
  const detail = process.env.MAILSHOT_DEBUG ? (error as Error)?.stack : (error as Error)?.message;
  io.stderr.write(
    `mailshot: unexpected error: ${terminalSafe(detail ?? String(error))}\n(set MAILSHOT_DEBUG=1 for details, and please report it)\n`,
  );
  return ExitCode.mustFix;
}
