import { warn, type CommandIo } from '../io.js';

export interface ValidateOptions {
  file: string;
  /** Also check the messages against this account's size limit (default: the campaign's via). */
  via?: string;
}

export async function run(options: ValidateOptions, io: CommandIo): Promise<void> {
  const [{ prepareCampaign }, { validateCampaign }] = await Promise.all([import('../../campaign/prepare.js'), import('../../campaign/validate.js')]);
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
  io.stdout.write(await validateCampaign(options.file, prepared, { sizeLimit, onRecipient }));
}
