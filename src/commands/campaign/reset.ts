import { notice, type CommandIo } from '../io.js';

export interface ResetOptions {
  file: string;
  state?: string;
}

/** Moves the campaign's state folder aside (kept, never deleted) so that it can be sent again from the start. */
export async function run(options: ResetOptions, io: CommandIo): Promise<void> {
  const { resetCampaign } = await import('../../delivery/reset.js');
  const kept = await resetCampaign(options.file, options.state);
  notice(io, `the campaign's state is kept in ${kept}; the next \`mailshot campaign send ${options.file}\` starts from the first recipient`);
}
