import type { Command } from 'commander';
import { exactly, runsWith, typed } from '../verb.js';
import { notice, type CommandIo } from '../io.js';

export interface ResetOptions {
  file: string;
  state?: string;
}

/** `mailshot campaign reset FILE`. */
export function define(campaign: Command): void {
  typed(campaign.command('reset'))
    .description("move the campaign's state folder aside (kept, never deleted) so that it can be sent again from the start")
    .argument('<file>', 'campaign YAML file')
    .option('--state <dir>', 'state folder')
    .action(runsWith(run, (file, flags) => ({ ...exactly<Omit<ResetOptions, 'file'>>()(flags), file })));
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
