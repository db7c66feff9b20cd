import { createHash } from 'node:crypto';
import { parseMailbox } from '../campaign/address.js';
import type { CampaignDefinition } from '../campaign/definition.js';
import type { CampaignState } from '../store/state.js';
import { listChangesText } from '../campaign/list-digest.js';
import { listChangesSinceStart } from '../report/list-changes.js';
import type { Prepared } from './run-context.js';

type StartedAs = Omit<NonNullable<CampaignState['started']>, 'list'>;

/** What a campaign's messages are made of when it starts, recorded in its state. */
export function startedAs(definition: CampaignDefinition): StartedAs {
  const templates = createHash('sha256').update(JSON.stringify(definition.sources)).digest('hex');
  return { from: parseMailbox(definition.from)!.address, subject: definition.subject, templates };
}

const names: Record<keyof StartedAs, string> = { from: 'From address', subject: 'subject', templates: 'template' };

/** Warns when the From address, subject or templates changed since the campaign started (not a refusal). */
function warnIfChanged(state: CampaignState, definition: CampaignDefinition, alreadyDone: number, warn: (message: string) => void): void {
  if (!state.started) return;
  const now = startedAs(definition);
  const changed = (Object.keys(names) as (keyof StartedAs)[]).filter((key) => now[key] !== state.started![key]).map((key) => names[key]);
  if (!changed.length) return;
  const what = changed.length > 1 ? `${changed.slice(0, -1).join(', ')} and ${changed.at(-1)}` : changed[0];
  warn(
    `the ${what} changed since this campaign started: the ${alreadyDone} recipient(s) already done got the earlier version, ` +
      `the rest get the new one (every message keeps the Message-ID it was given at the start)`,
  );
}

/** A resume says what changed since the campaign started: the message (From, subject, template) and the list. */
export async function warnOfChanges({ campaign, paths, options }: Prepared, state: CampaignState, alreadyDone: number): Promise<void> {
  warnIfChanged(state, campaign.definition, alreadyDone, options.warn);
  const changes = listChangesText(await listChangesSinceStart(paths, state, campaign));
  if (changes) {
    options.warn(
      `${campaign.definition.recipients} changed since this campaign started: ${changes}; ` +
        `each recipient not done yet gets the values of their row as it is now`,
    );
  }
}
