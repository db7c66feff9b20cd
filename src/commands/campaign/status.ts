import type { Command } from 'commander';
import { warn, writeForPerson, type CommandIo } from '../io.js';
import { exactly, runsWith, typed } from '../verb.js';

export interface StatusOptions {
  file: string;
  state?: string;
  json?: boolean;
}

/** `mailshot campaign status FILE`. */
export function define(campaign: Command): void {
  typed(campaign.command('status'))
    .description('where a campaign stands')
    .argument('<file>', 'campaign YAML file')
    .option('--state <dir>', 'state folder')
    .option('--json', 'print JSON')
    .action(runsWith(run, (file, flags) => ({ ...exactly<Omit<StatusOptions, 'file'>>()(flags), file })));
}

export async function run(options: StatusOptions, io: CommandIo): Promise<void> {
  const [{ summarise }, { formatTable }, { accountStanding, defaultMaxConcurrent }, { formatLimits }, { reputationWarnings }] =
    await Promise.all([
      import('../../report/fold-campaign.js'),
      import('../../report/table.js'),
      import('../../accounts/limits.js'),
      import('../../throttle/rate.js'),
      import('../../report/reputation.js'),
    ]);
  const summary = await summarise(options.file, options.state, (message) => warn(io, message), 'in_doubt');
  const { listChangesOf } = await import('../../report/list-changes.js');
  const { listChangesText } = await import('../../campaign/list-digest.js');
  const listChanges = await listChangesOf(options.file, options.state);
  const changesText = listChangesText(listChanges);
  const account = await accountStanding(summary.via);
  const warnings = reputationWarnings(summary.after_delivery);
  if (options.json) {
    const { recipients: _omitted, ...status } = summary;
    io.stdout.write(JSON.stringify({ ...status, account, warnings, ...(changesText && { list_changes: listChanges }) }, null, 2) + '\n');
    return;
  }
  for (const warning of warnings) warn(io, warning);
  writeForPerson(io, formatTable(summary));
  if (changesText) writeForPerson(io, `List        changed since the campaign started: ${changesText}\n`);
  if (account) {
    const { maxConcurrent, rate, dailyLimit } = account.limits;
    const allowed = dailyLimit ? ` of ${dailyLimit} allowed` : '';
    const pace = formatLimits({ concurrency: maxConcurrent ?? defaultMaxConcurrent, rate });
    io.stdout.write(
      `Account     ${summary.via}: ${account.sent_last_24h} recipient(s) sent to in the last 24 h${allowed}; at most ${pace}\n`,
    );
    const { learned, slots } = account;
    if (slots.in_use) {
      const who = slots.by.map((pid) => `pid ${pid}`).join(', ');
      io.stdout.write(`            sending now: ${slots.in_use} message(s) at once through this account (${who})\n`);
    }
    if (learned) {
      io.stdout.write(
        `            its server refused more than ${learned.concurrency} at once (${learned.why}); held until ${learned.until} ` +
          `unless \`mailshot accounts set ${summary.via} --max-concurrent N\` or \`--forget-learned\` replaces it\n`,
      );
    }
  }
}
