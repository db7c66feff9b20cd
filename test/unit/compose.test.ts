import { MessageComposer } from '../../src/campaign/compose.js';
import { prepareCampaign, recipientsOf } from '../../src/campaign/prepare.js';
import { isRecipient } from '../../src/campaign/recipients.js';
import { writeCampaign } from '../helpers/cli.js';

describe('MessageComposer', () => {
  test('an internationalised domain goes in the envelope in its ASCII (xn--) form, as in the To header', async () => {
    // The SMTP test server turns xn-- domains back into Unicode, so the envelope is checked where it is made.
    const { file } = await writeCampaign({ fields: { from: 'Sender <sender@bücher.example>' }, csv: 'email,name\nann@例え.テスト,Ann\n' });
    const campaign = await prepareCampaign(file);
    const { value: recipient } = await recipientsOf(campaign).next();
    if (!recipient || !isRecipient(recipient)) throw new Error('the row is a valid recipient');
    const message = await new MessageComposer(campaign.definition, 'id').compose(recipient, campaign.templates.render(recipient.fields));
    expect({ from: message.from, to: message.to }).toEqual({ from: 'sender@xn--bcher-kva.example', to: 'ann@xn--r8jz45g.xn--zckzah' });
    expect(message.raw.toString('latin1')).toMatch(/^To: ann@xn--r8jz45g\.xn--zckzah\r$/m);
  });
});
