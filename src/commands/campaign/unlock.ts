import { notice, type CommandIo } from '../io.js';
import { localTime } from '../../system/local-time.js';

export interface UnlockOptions {
  file: string;
  state?: string;
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
