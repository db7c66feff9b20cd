import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { isInside, type ReadLimits } from '../system/safe-file.js';

/** What a campaign may read at most per file: the campaign file and its templates; attachments. */
export const textFileLimits: ReadLimits = { maxBytes: 10 * 1024 * 1024, timeoutMs: 10_000 };
export const attachmentLimits: ReadLimits = { maxBytes: 50 * 1024 * 1024, timeoutMs: 30_000 };

/** Where a campaign is: its file, its folder, and whether it may name files outside that folder. */
export interface CampaignFolder {
  file: string;
  dir: string;
  allowFilesOutside: boolean;
}

/**
 * The real path of a file the campaign names (a template, the recipients, an attachment). One that
 * leads outside the campaign folder (`..`, an absolute path, a symbolic link, a CSV value in a
 * templated path) is refused unless the campaign sets allow_files_outside: a campaign from someone else
 * must not mail out ~/.aws/credentials as its body. File system errors (a missing file) are thrown as they are.
 */
export async function confinedPath(campaign: CampaignFolder, relative: string, field: string, forRow = ''): Promise<string> {
  const real = await realpath(path.resolve(campaign.dir, relative));
  if (campaign.allowFilesOutside || isInside(real, await realpath(campaign.dir))) return real;
  throw new InputError(
    `${path.basename(campaign.file)}: field "${field}": ${relative}${forRow} leads outside the campaign folder (to ${real}); ` +
      `move the file into ${campaign.dir}, or set "allow_files_outside: true" in the campaign file`,
  );
}
