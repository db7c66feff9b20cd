import path from 'node:path';
import { configDir } from '../auth/config-dir.js';
import { InputError } from '../errors.js';
import { openOwnerOnlyForAppend, createOwnerOnlyFolder, readOwnerOnlyOrEmpty } from '../system/owner-only.js';

/**
 * The campaigns sent through one sending identity, so that a bounce can be matched without a database:
 * a Message-ID is `sha256(campaign id, recipient)`, so a returned Message-ID together with a candidate
 * recipient address is checked against each campaign here — a few hashes per bounce, and a match is
 * proof (no guess). `<config>/campaigns/<identity>.jsonl`, one line per campaign, appended at its first run.
 */
export interface IndexedCampaign {
  campaignId: string;
  campaignFile: string;
  stateDir: string;
  /** The From address: the Message-ID's domain comes from it. */
  from: string;
  /** list_unsubscribe.mailto, lower case, when the campaign has one. */
  unsubscribeMailto?: string;
}

function indexFile(identity: string): string {
  return path.join(configDir(), 'campaigns', `${encodeURIComponent(identity)}.jsonl`);
}

export async function indexedCampaigns(identity: string): Promise<IndexedCampaign[]> {
  const file = indexFile(identity);
  const lines = (await readOwnerOnlyOrEmpty(file)).split('\n');
  lines.pop(); // '' after the last newline, or a line a crash cut short
  return lines.map((line, index) => {
    try {
      const campaign = JSON.parse(line) as IndexedCampaign;
      if (typeof campaign.campaignId !== 'string' || typeof campaign.stateDir !== 'string') throw new Error();
      return campaign;
    } catch {
      throw new InputError(`${file}:${index + 1}: not a campaign entry; the file was edited or damaged (fix or remove that line)`);
    }
  });
}

/** Adds the campaign unless it is there already (every run calls this). */
export async function indexCampaign(identity: string, campaign: IndexedCampaign): Promise<void> {
  if ((await indexedCampaigns(identity)).some((known) => known.campaignId === campaign.campaignId)) return;
  const file = indexFile(identity);
  await createOwnerOnlyFolder(path.dirname(file));
  const handle = await openOwnerOnlyForAppend(file);
  try {
    await handle.write(JSON.stringify(campaign) + '\n');
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
