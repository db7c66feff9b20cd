import type { Command as TypedCommand, OptionValues } from '@commander-js/extra-typings';
import { oneOf, perConnectionOption, sendingLimitOptions, wholeNumber } from '../options.js';

/** The argument and flags `campaign send` and `campaign resume` share (send-or-resume.ts's RunFlags). */
export function runFlagOptions<Opts extends OptionValues>(command: TypedCommand<[], Opts>) {
  return perConnectionOption(sendingLimitOptions(command))
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
