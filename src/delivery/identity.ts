import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { outboxAccount } from '../accounts/open-account.js';
import type { CampaignState, StatePaths } from '../store/state.js';

/** How a run relates to the state it found: continue it, or start afresh after an outbox rehearsal. */
export type Continuation = { fresh: false; via: string } | { fresh: true; via: string; rehearsal: boolean };

/**
 * A state folder belongs to one campaign file and one sending account. A run of another file against
 * it, or through another account, is refused — except after an outbox run, which was a rehearsal: a
 * real send then starts afresh (the rehearsal is kept aside by the caller).
 */
export function continuationOf(
  existing: CampaignState | undefined,
  campaignFile: string,
  requestedVia: string | undefined,
  paths: StatePaths,
): Continuation {
  if (!existing) return { fresh: true, via: requestedVia ?? outboxAccount, rehearsal: false };
  if (isCopy(existing, campaignFile, paths)) {
    throw new InputError(
      `${paths.dir} was copied with its campaign: it holds the state of ${existing.campaignFile}, which is still there, ` +
        `not of ${realPath(campaignFile)}. To send this copy as a campaign of its own, run \`mailshot campaign reset ${campaignFile}\` ` +
        `(the copied state is kept aside) and send it again`,
    );
  }
  if (!belongsTo(existing, campaignFile, paths)) {
    throw new InputError(
      `${paths.dir} holds the state of another campaign file (${existing.campaignFile}); ` +
        `give ${path.basename(campaignFile)} a state folder of its own with --state DIR`,
    );
  }
  if (requestedVia === undefined || requestedVia === existing.via) return { fresh: false, via: existing.via };
  if (existing.via === outboxAccount) return { fresh: true, via: requestedVia, rehearsal: true };
  throw new InputError(
    `${path.basename(campaignFile)} was started through "${existing.via}" and continues through it only (asked: "${requestedVia}"). ` +
      `To send it through "${requestedVia}" as a separate run, use --state DIR; \`mailshot campaign reset ${path.basename(campaignFile)}\` ` +
      `starts it over (everyone is sent again)`,
  );
}

/** The same file, by its real path, or a campaign folder moved as a whole (same file name, state beside it, the old file gone). */
function belongsTo(state: CampaignState, campaignFile: string, paths: StatePaths): boolean {
  return isSameFile(state, campaignFile) || (besideIt(state, campaignFile, paths) && !existsSync(state.campaignFile));
}

/** A campaign folder copied with its state folder: the file the state records is still where it was. */
function isCopy(state: CampaignState, campaignFile: string, paths: StatePaths): boolean {
  return !isSameFile(state, campaignFile) && besideIt(state, campaignFile, paths) && existsSync(state.campaignFile);
}

function isSameFile(state: CampaignState, campaignFile: string): boolean {
  return state.campaignFile === campaignFile || state.campaignFile === realPath(campaignFile);
}

function besideIt(state: CampaignState, campaignFile: string, paths: StatePaths): boolean {
  const stateBeside = path.dirname(paths.dir) === path.join(path.dirname(campaignFile), '.mailshot');
  return stateBeside && path.basename(state.campaignFile) === path.basename(campaignFile);
}

export function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}
