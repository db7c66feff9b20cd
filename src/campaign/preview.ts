import { InputError } from '../errors.js';
import { MessageComposer } from './compose.js';
import type { CampaignDefinition } from './definition.js';
import { prepareCampaign, recipientsOf } from './prepare.js';
import { isRecipient, rejectReasonText, type Recipient } from './recipients.js';
import type { RenderedParts } from './render.js';
import type { OutgoingMessage } from '../transports/transport.js';

export interface Preview {
  definition: CampaignDefinition;
  recipient: Recipient;
  parts: RenderedParts;
  message: OutgoingMessage;
}

/** Renders the message of the recipient on data row `row` (1 = the first row after the header). */
export async function previewRow(campaignFile: string, row: number): Promise<Preview> {
  const campaign = await prepareCampaign(campaignFile);
  let index = 0;
  for await (const candidate of recipientsOf(campaign)) {
    if (++index < row) continue;
    if (!isRecipient(candidate)) {
      throw new InputError(
        `row ${row} (line ${candidate.line} of ${campaign.definition.recipients}) is not sent: ${rejectReasonText[candidate.reason]} ${JSON.stringify(candidate.value)}`,
      );
    }
    const parts = campaign.templates.render(candidate.fields);
    const message = await new MessageComposer(campaign.definition, 'preview').compose(candidate, parts);
    return { definition: campaign.definition, recipient: candidate, parts, message };
  }
  throw new InputError(`--row ${row} is out of range: ${campaign.definition.recipients} has ${index} data row(s)`);
}
