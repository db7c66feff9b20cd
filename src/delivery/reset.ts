import path from 'node:path';
import { InputError } from '../errors.js';
import { setStateAside } from '../store/set-aside.js';
import { readState, statePaths } from '../store/state.js';

/** `campaign reset`: moves the campaign's state folder aside (never deletes it) so it can be sent again from the start. */
export async function resetCampaign(campaignFile: string, stateDir?: string): Promise<string> {
  const paths = statePaths(path.resolve(campaignFile), stateDir);
  if (!(await readState(paths))) throw new InputError(`${campaignFile} has no state to reset (nothing in ${paths.dir})`);
  return setStateAside(paths, 'reset');
}
