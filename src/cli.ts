import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerAccounts } from './commands/accounts.js';
import { registerCampaign } from './commands/campaign.js';
import { registerCompletion } from './commands/completion.js';
import { addExamples } from './commands/examples.js';
import { errorJson, jsonRequested } from './commands/json-output.js';
import { notice } from './commands/options.js';
import { registerInit } from './commands/init.js';
import { registerReport } from './commands/report.js';
import { setVerbosity } from './commands/verbosity.js';
import { ExitCode, MailshotError } from './errors.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
// Under --json, stderr carries errors as one JSON object each: commander's own text is held back.
const json = jsonRequested(process.argv.slice(2));

const program = new Command('mailshot')
  .description('Send personalised email campaigns through your own SMTP, Gmail or Microsoft 365 account.')
  .version(version)
  .option('-q, --quiet', 'results and errors only: no progress, no bell, no desktop notification')
  .option('-v, --verbose', "each recipient's outcome as a line")
  .option('--debug', 'also the SMTP conversation and HTTP requests (credentials redacted)')
  .hook('preAction', (_program, action) => setVerbosity(action.optsWithGlobals()))
  .exitOverride()
  .configureOutput(json ? { writeErr: () => undefined } : {})
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText(
    'after',
    '\nExit codes: 0 done · 1 stopped, something to fix · 2 bad usage or invalid input · 75 paused or deferred: run `mailshot campaign resume` later',
  );
registerInit(program);
registerAccounts(program);
registerCampaign(program);
registerReport(program);
registerCompletion(program);
addExamples(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
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
    else notice(error.message);
    return error.exitCode;
  }
  const detail = process.env.MAILSHOT_DEBUG ? (error as Error)?.stack : (error as Error)?.message;
  process.stderr.write(`mailshot: unexpected error: ${detail ?? String(error)}\n(set MAILSHOT_DEBUG=1 for details, and please report it)\n`);
  return ExitCode.mustFix;
}
