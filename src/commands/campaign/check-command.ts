import type { Command } from 'commander';
import { runs } from '../lazy-action.js';
import { wholeNumber } from '../options.js';

/** `campaign check FILE`: will it land — SPF, DKIM, DMARC, alignment and the bulk-sender rules, from DNS. */
export function registerCampaignCheck(campaign: Command): void {
  campaign
    .command('check')
    .description("will it land: the From domain's SPF, DKIM and DMARC against the account that will send, and the bulk-sender rules")
    .argument('<file>', 'campaign YAML file')
    .option('--via <account>', 'the account that will send (default: the campaign\'s "via")')
    .option('--dns-server <host:port>', "ask this DNS server instead of the system's (also MAILSHOT_DNS_SERVER)")
    .option('--json', 'print the findings as JSON')
    .addHelpText('after', '\nExit codes: 0 nothing fails · 1 a check fails (each failing line says which DNS record to add)')
    .action(
      runs(
        () => import('./check.js'),
        (file: string, flags: object) => ({ ...flags, file }),
      ),
    );
}

/** `campaign test --check`: wait for the test message in the account's mailbox and say where it landed. */
export function landingCheckOptions(test: Command): Command {
  return test
    .option('--check', "then wait for it in the account's mailbox (--to an address it reads): where it landed, how it authenticated")
    .option('--check-timeout <seconds>', 'how long --check waits for the message', wholeNumber(1), 120);
}
