import type { Command } from 'commander';
import { warn, writeForPerson, type CommandIo } from '../io.js';
import { printJson } from '../json-output.js';
import { exactly, runsWith, typed } from '../verb.js';

export interface ValidateOptions {
  file: string;
  /** Also check the messages against this account's size limit (default: the campaign's via). */
  via?: string;
  /** The result as JSON. */
  json?: boolean;
}

/** `mailshot campaign validate FILE`. */
export function define(campaign: Command): void {
  typed(campaign.command('validate'))
    .description('check the campaign file, templates and every recipient row; sends nothing')
    .argument('<file>', 'campaign YAML file')
    .option('--via <account>', "also check the messages against this account's size limit (default: the campaign's via)")
    .option('--json', 'print the result as JSON')
    .action(runsWith(run, (file, flags) => ({ ...exactly<Omit<ValidateOptions, 'file'>>()(flags), file })));
}

export async function run(options: ValidateOptions, io: CommandIo): Promise<void> {
  const [{ prepareCampaign }, { validateCampaign, validationText }] = await Promise.all([
    import('../../campaign/prepare.js'),
    import('../../campaign/validate.js'),
  ]);
  const prepared = await prepareCampaign(options.file);
  // Account and time-zone code load only when the campaign needs them: validate of a huge list runs close to its memory budget.
  const via = options.via ?? prepared.definition.via;
  const sizeLimit = via ? await (await import('../../accounts/open-account.js')).sizeLimitOfAccount(via) : undefined;
  const onWarning = (message: string) => warn(io, message);
  prepared.layout.warnings.forEach(onWarning);
  const schedule = prepared.definition.deliver_at_local
    ? new (await import('../../delivery/schedule.js')).DeliverySchedule(prepared.definition, Date.now(), onWarning)
    : undefined;
  const suppression = via ? await (await import('../../suppress/open.js')).suppressionListOf(via) : undefined;
  let suppressed = 0;
  const onRecipient = (recipient: Parameters<NonNullable<typeof schedule>['dueAt']>[0]) => {
    schedule?.dueAt(recipient); // warns once per unknown time zone
    if (suppression?.get(recipient.key)) suppressed++;
  };
  const isDone = await (await import('../../delivery/done-in-journal.js')).doneInJournal(prepared.definition.file, onWarning);
  const validation = await validateCampaign(prepared, { sizeLimit, onRecipient, isDone });
  const suppressedText =
    suppression &&
    `${suppressed} of them suppressed for ${suppression.identity} (unsubscribed, bounced or complained): they will be skipped\n`;
  if (!options.json) return void writeForPerson(io, validationText(options.file, validation) + (suppressedText ?? ''));
  const { recipients, emailColumn, blank, skipped, skippedByReason, skippedRows, alreadyDone } = validation;
  printJson(io, {
    file: options.file,
    ok: true,
    recipients,
    email_column: emailColumn,
    blank,
    ...(alreadyDone === undefined ? {} : { already_done: alreadyDone, to_send: recipients - alreadyDone }),
    skipped,
    skipped_by_reason: skippedByReason,
    skipped_rows: skippedRows,
    ...(suppression ? { suppressed } : {}),
  });
}
