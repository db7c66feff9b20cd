import { randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import { prepareCampaign, scanRecipients } from '../campaign/prepare.js';
import { StopError } from '../errors.js';
import { Journal, readJournal } from '../store/journal.js';
import { acquireLock } from '../store/lock.js';
import { readState, statePaths, writeState, type CampaignState, type StatePaths } from '../store/state.js';

export interface Repaired {
  state: CampaignState;
  paths: StatePaths;
  /** Journal events read. */
  events: number;
}

/**
 * `campaign repair`: rebuilds state.json from the journal, which is the record of what happened. The
 * campaign id comes from the journal's run events, so a recipient resent later keeps its Message-ID;
 * the state is left paused, for `resume` to continue. A damaged last journal line is cut off; damage
 * anywhere else is refused with the line named (the journal is never rewritten).
 */
export async function repairState(campaignFile: string, stateDir: string | undefined, warn: (message: string) => void): Promise<Repaired> {
  const campaign = await prepareCampaign(campaignFile);
  const paths = statePaths(campaign.definition.file, stateDir);
  await access(paths.journal).catch(() => {
    throw new StopError(`${paths.journal} does not exist: there is nothing to rebuild the state from (restore the journal from a backup)`);
  });
  const release = await acquireLock(paths.lock);
  try {
    const journal = await Journal.open(paths.journal, warn);
    const size = journal.size;
    await journal.close();
    const facts = await journalFacts(paths.journal, warn);
    const previous = await readState(paths).catch(() => undefined);
    if (facts.ids.size > 1)
      throw new StopError(
        `${paths.journal} names more than one campaign id (${[...facts.ids].join(', ')}): it mixes two campaigns' journals; restore it from a backup`,
      );
    let campaignId = [...facts.ids][0] ?? previous?.campaignId;
    if (!campaignId) {
      campaignId = randomUUID();
      warn(
        `${paths.journal} records no campaign id (written by an older mailshot): recipients still in doubt will be resent with new Message-IDs`,
      );
    }
    if (previous?.journalBytes !== undefined && previous.journalBytes > size) {
      warn(
        `the journal is ${previous.journalBytes - size} bytes shorter than the state recorded: recipients recorded only in the lost part will be sent again`,
      );
    }
    const now = new Date().toISOString();
    const state: CampaignState = {
      version: 1,
      campaignId,
      campaignFile: campaign.definition.file,
      via: facts.via ?? previous?.via ?? campaign.definition.via ?? 'outbox',
      status: 'paused',
      reason: 'rebuilt from the journal by `campaign repair`',
      scheduledAt: previous?.scheduledAt,
      spreadUntil: previous?.spreadUntil,
      // The From of the start, which Message-IDs keep, and the list's fingerprint then: only the old state knows them.
      started: previous?.started,
      recipients: (await scanRecipients(campaign)).recipients,
      journalBytes: size,
      createdAt: facts.firstAt === undefined ? now : new Date(facts.firstAt).toISOString(),
      updatedAt: now,
    };
    await writeState(paths, state);
    return { state, paths, events: facts.events };
  } finally {
    await release();
  }
}

/** What the journal says about the campaign: its id(s), the account of the last run, when it began. */
async function journalFacts(file: string, warn: (message: string) => void) {
  const ids = new Set<string>();
  let via: string | undefined;
  let firstAt: number | undefined;
  let events = 0;
  for await (const event of readJournal(file, warn)) {
    events++;
    firstAt ??= event.at;
    if (event.ev === 'run' && event.what === 'start') {
      if (event.campaign) ids.add(event.campaign);
      via = event.via ?? via;
    }
  }
  return { ids, via, firstAt, events };
}
