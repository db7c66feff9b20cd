import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError, MailshotError, StopError } from '../errors.js';
import type { CampaignStatus } from '../status.js';
import { checkOwnerOnlyFolder, readOwnerOnly, writeOwnerOnly } from '../system/owner-only.js';
import { makeFolder } from '../system/make-folder.js';

/** state.json: the small snapshot beside the journal, replaced atomically. */
export interface CampaignState {
  version: 1;
  /** Stable for the life of the campaign: Message-IDs derive from it. */
  campaignId: string;
  /** The campaign file's real path: a state folder belongs to one campaign file. */
  campaignFile: string;
  /** Account name, or "outbox". */
  via: string;
  status: CampaignStatus;
  /** Why it paused or stopped, for `status`. */
  reason?: string;
  /** Nothing is sent before this time (a quota pause, a schedule, the next recipient's local time). */
  pausedUntil?: string;
  /** `send --at`: when the campaign starts; recipients' local delivery times count from it. */
  scheduledAt?: string;
  /** `send --spread`: deliveries are spaced evenly until this time. */
  spreadUntil?: string;
  /** Length of the journal when this snapshot was written: a journal found shorter was cut (store/journal-check.ts). */
  journalBytes?: number;
  /**
   * The message as it was when the campaign started: the From address (Message-IDs keep its domain for the
   * campaign's life), the subject and a digest of the templates (a resume says when they changed).
   */
  started?: {
    from: string;
    subject: string;
    templates: string;
    /** The CSV as the first send read it (its rows' digest is in list-at-start.bin): changed since, a resume says how. */
    list?: { size: number; mtimeMs: number; ctimeMs: number; ino: number };
  };
  /** Valid, distinct recipients in the CSV when the campaign started. */
  recipients: number;
  createdAt: string;
  updatedAt: string;
}

export interface StatePaths {
  dir: string;
  state: string;
  journal: string;
  lock: string;
  outbox: string;
}

/** Default: `.mailshot/<campaign file name>/` beside the campaign file (`c.yaml` and `c.yml` differ). */
export function statePaths(campaignFile: string, override?: string): StatePaths {
  const dir = path.resolve(override ?? defaultStateDir(path.resolve(campaignFile)));
  return {
    dir,
    state: path.join(dir, 'state.json'),
    journal: path.join(dir, 'journal.jsonl'),
    lock: path.join(dir, 'lock'),
    outbox: path.join(dir, 'outbox'),
  };
}

/**
 * Earlier versions named the folder after the file name without its extension: a campaign started
 * then keeps its folder, so that an upgrade never starts it over.
 */
function defaultStateDir(campaignFile: string): string {
  const folder = path.join(path.dirname(campaignFile), '.mailshot');
  const current = path.join(folder, path.basename(campaignFile));
  const legacy = path.join(folder, path.basename(campaignFile, path.extname(campaignFile)));
  if (legacy === current || existsSync(current) || !existsSync(path.join(legacy, 'state.json'))) return current;
  try {
    const state = JSON.parse(readFileSync(path.join(legacy, 'state.json'), 'utf8')) as Partial<CampaignState>;
    return state.campaignFile === campaignFile ? legacy : current;
  } catch {
    return current;
  }
}

/** What to do when the state folder cannot be read or written. */
export const stateFolderAdvice =
  'check that the state folder is a folder you may write to, on a disk with free space (or choose another with --state DIR)';

/** The state directory holds the recipient list's outcomes: personal data, so owner-only. */
export async function ensureStateDir(paths: StatePaths): Promise<void> {
  try {
    await makeFolder(paths.dir, 0o700);
    await checkOwnerOnlyFolder(paths.dir, 'the campaign state folder');
  } catch (error) {
    if (error instanceof MailshotError) throw error;
    throw new StopError(`cannot create the state folder ${paths.dir}: ${(error as Error).message}; ${stateFolderAdvice}`);
  }
}

export async function readState(paths: StatePaths): Promise<CampaignState | undefined> {
  let text: string | undefined;
  try {
    await checkOwnerOnlyFolder(paths.dir, 'the campaign state folder');
    text = await readOwnerOnly(paths.state);
    if (text === undefined) return undefined;
  } catch (error) {
    if (error instanceof MailshotError) throw error;
    throw new StopError(`cannot read ${paths.state}: ${(error as Error).message}; ${stateFolderAdvice}`);
  }
  try {
    const state = JSON.parse(text) as CampaignState;
    if (state.version !== 1 || typeof state.campaignId !== 'string') throw new Error('unknown layout');
    return state;
  } catch (error) {
    throw new InputError(
      `${paths.state}: damaged or edited by hand (${(error as Error).message}); restore it from a backup, or run \`mailshot campaign repair\` on the campaign file to rebuild it from the journal`,
    );
  }
}

export async function writeState(paths: StatePaths, state: CampaignState): Promise<void> {
  state.updatedAt = new Date().toISOString();
  try {
    await writeOwnerOnly(paths.state, JSON.stringify(state, null, 2) + '\n');
  } catch (error) {
    if (error instanceof MailshotError) throw error;
    throw new StopError(
      `cannot write ${paths.state}: ${(error as Error).message}; free disk space (or fix the folder's permissions), then run \`mailshot campaign resume\``,
    );
  }
}
