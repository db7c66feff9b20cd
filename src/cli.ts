import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerAccounts } from './commands/accounts.js';
import { registerCampaign } from './commands/campaign.js';
import { registerReport } from './commands/report.js';
import { ExitCode, MailshotError } from './errors.js';
import { guardOutput } from './system/output.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

guardOutput();

const program = new Command('mailshot')
  .description('Send personalised email campaigns through your own SMTP, Gmail or Microsoft 365 account.')
  .version(version)
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText(
    'after',
    '\nExit codes: 0 done · 1 stopped, something to fix · 2 bad usage or invalid input · 75 paused or deferred: run `mailshot campaign resume` later',
  );
registerAccounts(program);
registerCampaign(program);
registerReport(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message; its own code for usage errors is 1, ours is 2.
    return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? ExitCode.done : ExitCode.badInput;
  }
  if (error instanceof MailshotError) {
    process.stderr.write(`mailshot: ${error.message}\n`);
    return error.exitCode;
  }
  const detail = process.env.MAILSHOT_DEBUG ? (error as Error)?.stack : (error as Error)?.message;
  process.stderr.write(`mailshot: unexpected error: ${detail ?? String(error)}\n(set MAILSHOT_DEBUG=1 for details, and please report it)\n`);
  return ExitCode.mustFix;
}
