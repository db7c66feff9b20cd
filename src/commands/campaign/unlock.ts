import type { Command } from 'commander';
import { exactly, runsWith, typed } from '../verb.js';
import { notice, type CommandIo } from '../io.js';
import { localTime } from '../../system/local-time.js';

export interface UnlockOptions {
  file: string;
  state?: string;
}

/** `mailshot campaign unlock FILE`. */
export function define(campaign: Command): void {
  typed(campaign.command('unlock'))
    .description(
      "remove the campaign's lock left by a run that cannot be checked (another host, a reused pid); refuses while its owner runs here",
    )
    .argument('<file>', 'campaign YAML file')
    .option('--state <dir>', 'state folder')
    .action(runsWith(run, (file, flags) => ({ ...exactly<Omit<UnlockOptions, 'file'>>()(flags), file })));
}

/** Removes a lock whose owner cannot be checked (another host, a reused pid); refuses while its owner runs here. */
export async function run(options: UnlockOptions, io: CommandIo): Promise<void> {
  const { unlockCampaign } = await import('../../delivery/unlock.js');
  const removed = await unlockCampaign(options.file, options.state);
  if (!removed) notice(io, `${options.file} is not locked; nothing to do`);
  else
    notice(
      io,
      `removed the lock of pid ${removed.owner.pid} on ${removed.owner.host} (since ${localTime(removed.owner.since, { seconds: true })}); \`mailshot campaign resume\` continues`,
    );
}
