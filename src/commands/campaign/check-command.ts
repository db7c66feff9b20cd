import type { Command } from 'commander';
import { runs } from '../lazy-action.js';

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
