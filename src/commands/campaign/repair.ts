import { notice, warn, type CommandIo } from '../io.js';

export interface RepairOptions {
  file: string;
  state?: string;
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
