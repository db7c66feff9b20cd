import { notice, type CommandIo } from '../io.js';

export interface ResetOptions {
  file: string;
  state?: string;
}

/** Moves the campaign's state aside (kept), so that the next send starts from the first recipient. */
export async function run(options: ResetOptions, io: CommandIo): Promise<void> {
  const { resetCampaign } = await import('../../delivery/reset.js');
  const kept = await resetCampaign(options.file, options.state);
  notice(
    io,
    `the campaign's state is kept in ${kept}; the next \`mailshot campaign send ${options.file}\` starts from the first recipient`,
  );
}
