/** `campaign check` (src/commands/campaign/check.ts) in-process with a fake terminal. test/campaign-check.test.ts runs it as a process, with a DNS server. */
import { run as check } from '../../../src/commands/campaign/check.js';
import { InputError } from '../../../src/errors.js';
import { tempDir, writeCampaign } from '../../helpers/cli.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
// Loaded here as well as lazily by the commands: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/campaign/check/dns.js';
import '../../../src/campaign/check/preflight.js';
import '../../../src/campaign/check/rules.js';
import '../../../src/campaign/prepare.js';
import '../../../src/campaign/validate.js';
import '../../../src/commands/campaign/sending-service.js';

isolatedEnv(async () => ({ MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') }));

test('a campaign to the outbox is refused: the check needs the account that will send', async () => {
  const campaign = await writeCampaign();
  await expect(check({ file: campaign.file }, fakeIo())).rejects.toThrow(
    new InputError(`${campaign.file}: the check needs the account that will send: give --via ACCOUNT, or set "via" in the campaign`),
  );
});
