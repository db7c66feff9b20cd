import path from 'node:path';
import { unlock, type LockInfo } from '../store/lock.js';
import { statePaths } from '../store/state.js';

/** `campaign unlock`: removes a lock whose owner cannot be checked; undefined when the campaign was not locked. */
export function unlockCampaign(campaignFile: string, stateDir?: string): Promise<LockInfo | undefined> {
  return unlock(statePaths(path.resolve(campaignFile), stateDir).lock);
}
