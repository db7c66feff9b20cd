import type { Command } from 'commander';
import { exactly, runsWith, typed } from '../verb.js';
import { notice, warn, type CommandIo } from '../io.js';

export interface RepairOptions {
  file: string;
  state?: string;
}

/** `mailshot campaign repair FILE`. */
export function define(campaign: Command): void {
  typed(campaign.command('repair'))
    .description('rebuild state.json from the journal (keeping the campaign id, so resent messages keep their Message-IDs); sends nothing')
    .argument('<file>', 'campaign YAML file')
    .option('--state <dir>', 'state folder')
    .action(runsWith(run, (file, flags) => ({ ...exactly<Omit<RepairOptions, 'file'>>()(flags), file })));
}

/** Rebuilds state.json from the journal, keeping the campaign id; sends nothing. */
export async function run(options: RepairOptions, io: CommandIo): Promise<void> {
  const { repairState } = await import('../../delivery/repair.js');
  const { state, paths, events } = await repairState(options.file, options.state, (message) => warn(io, message));
  notice(
    io,
    `rebuilt ${paths.state} from ${events} journal event(s) (campaign id ${state.campaignId}, via ${state.via}); \`mailshot campaign resume ${options.file}\` continues`,
  );
}
