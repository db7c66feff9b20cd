import { readState, statePaths } from '../store/state.js';

/**
 * For `validate` of a campaign already started (its state folder beside it): whether the journal has a recipient
 * done, as `send` counts. The journal and the sending code load only for such a campaign.
 */
export async function doneInJournal(
  campaignFile: string,
  warn: (message: string) => void,
): Promise<((key: string) => boolean) | undefined> {
  const paths = statePaths(campaignFile);
  if (!(await readState(paths))) return undefined;
  const [{ lastEventByRecipient }, { isSettled }] = await Promise.all([import('../store/journal.js'), import('./dispatch.js')]);
  const last = await lastEventByRecipient(paths.journal, warn);
  return (key: string) => isSettled(last.get(key));
}
