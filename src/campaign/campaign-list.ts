import { loadCampaign, type CampaignDefinition } from './definition.js';
import { readLayout, readRecipients, type CsvLayout, type CsvReading, type Recipient, type RejectedRow } from './recipients.js';

/**
 * A campaign's file and the layout of its list, without its templates: what reading the list takes
 * (`status` compares the list with the one the campaign started with, and needs no Liquid for that).
 */
export interface CampaignList {
  definition: CampaignDefinition;
  layout: CsvLayout;
}

export async function loadCampaignList(file: string): Promise<CampaignList> {
  const loaded = await loadCampaign(file);
  const layout = await readLayout(loaded.recipientsFile, loaded.emailColumnGiven ? loaded.email_column : undefined);
  const definition = { ...loaded, email_column: layout.emailColumn };
  layout.warnings.unshift(...definition.warnings);
  return { definition, layout };
}

/** The CSV's rows in order; rows whose recipient `isSettled` are passed over unread (on resume). */
export function recipientsOf(
  campaign: CampaignList,
  isSettled?: (key: string) => boolean,
  reading?: CsvReading,
): AsyncGenerator<Recipient | RejectedRow> {
  const { definition, layout } = campaign;
  return readRecipients(definition.recipientsFile, layout, definition.email_column, isSettled, reading);
}
