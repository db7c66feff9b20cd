import path from 'node:path';
import type { Command } from 'commander';
import { notice, warn } from './options.js';

/** `campaign unlock` and `campaign repair`: the ways out of a stale lock and a damaged state folder. */
export function registerMaintenance(campaign: Command): void {
  campaign
    .command('unlock')
    .description("remove the campaign's lock left by a run that cannot be checked (another host, a reused pid); refuses while its owner runs here")
    .argument('<file>', 'campaign YAML file')
    .option('--state <dir>', 'state folder')
    .action(async (file: string, flags: { state?: string }) => {
      const [{ unlock }, { statePaths }] = await Promise.all([import('../store/lock.js'), import('../store/state.js')]);
      const paths = statePaths(path.resolve(file), flags.state);
      const removed = await unlock(paths.lock);
      if (!removed) notice(`${file} is not locked; nothing to do`);
      else notice(`removed the lock of pid ${removed.owner.pid} on ${removed.owner.host} (since ${removed.owner.since}); \`mailshot campaign resume\` continues`);
    });

  campaign
    .command('repair')
    .description('rebuild state.json from the journal (keeping the campaign id, so resent messages keep their Message-IDs); sends nothing')
    .argument('<file>', 'campaign YAML file')
    .option('--state <dir>', 'state folder')
    .action(async (file: string, flags: { state?: string }) => {
      const { repairState } = await import('../store/repair.js');
      const { state, paths, events } = await repairState(file, flags.state, warn);
      notice(`rebuilt ${paths.state} from ${events} journal event(s) (campaign id ${state.campaignId}, via ${state.via}); \`mailshot campaign resume ${file}\` continues`);
    });
}
