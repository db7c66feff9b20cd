import { warn, type CommandIo } from '../io.js';
import { printJson } from '../json-output.js';

export interface ValidateOptions {
  file: string;
  /** Also check the messages against this account's size limit (default: the campaign's via). */
  via?: string;
  /** The result as JSON. */
  json?: boolean;
}

export async function run(options: ValidateOptions, io: CommandIo): Promise<void> {
  const [{ prepareCampaign }, { validateCampaign, validationText }] = await Promise.all([import('../../campaign/prepare.js'), import('../../campaign/validate.js')]);
  const prepared = await prepareCampaign(options.file);
  // Account and time-zone code load only when the campaign needs them: validate of a huge list runs close to its memory budget.
  const via = options.via ?? prepared.definition.via;
  const sizeLimit = via ? await (await import('../../accounts/open-account.js')).sizeLimitOfAccount(via) : undefined;
  const onWarning = (message: string) => warn(io, message);
  prepared.layout.warnings.forEach(onWarning);
  const schedule = prepared.definition.deliver_at_local
    ? new (await import('../../delivery/schedule.js')).DeliverySchedule(prepared.definition, Date.now(), onWarning)
    : undefined;
  const onRecipient = schedule && ((recipient: Parameters<typeof schedule.dueAt>[0]) => void schedule.dueAt(recipient)); // warns once per unknown time zone
  const validation = await validateCampaign(prepared, { sizeLimit, onRecipient });
  if (!options.json) return void io.stdout.write(validationText(options.file, validation));
  const { recipients, skipped, skippedByReason, skippedRows } = validation;
  printJson(io, { file: options.file, ok: true, recipients, skipped, skipped_by_reason: skippedByReason, skipped_rows: skippedRows });
}
