import type { Command } from 'commander';
import { exactly, runsWith, typed } from '../verb.js';
import { InputError, StopError } from '../../errors.js';
import type { CommandIo } from '../io.js';
import { printJson } from '../json-output.js';
import { serviceName } from '../../campaign/check/service.js';

export interface CheckOptions {
  file: string;
  via?: string;
  json?: boolean;
  /** HOST:PORT of the DNS server to ask instead of the system's (also MAILSHOT_DNS_SERVER). */
  dnsServer?: string;
}

/** `mailshot campaign check FILE`: will it land — SPF, DKIM, DMARC, alignment and the bulk-sender rules, from DNS. */
export function define(campaign: Command): void {
  typed(campaign.command('check'))
    .description("will it land: the From domain's SPF, DKIM and DMARC against the account that will send, and the bulk-sender rules")
    .argument('<file>', 'campaign YAML file')
    .option('--via <account>', 'the account that will send (default: the campaign\'s "via")')
    .option('--dns-server <host:port>', "ask this DNS server instead of the system's (also MAILSHOT_DNS_SERVER)")
    .option('--json', 'print the findings as JSON')
    .addHelpText('after', '\nExit codes: 0 nothing fails · 1 a check fails (each failing line says which DNS record to add)')
    .action(runsWith(run, (file, flags) => ({ ...exactly<Omit<CheckOptions, 'file'>>()(flags), file })));
}

/** `campaign check`: the deliverability pre-flight of the campaign's From domain for the account that will send; 1 when a check fails. */
export async function run(options: CheckOptions, io: CommandIo): Promise<number> {
  const [{ prepareCampaign }, { validateCampaign }, { preflight, preflightText }, { dnsResolver }, { isBigMailbox }, { sendingServiceOf }] =
    await Promise.all([
      import('../../campaign/prepare.js'),
      import('../../campaign/validate.js'),
      import('../../campaign/check/preflight.js'),
      import('../../campaign/check/dns.js'),
      import('../../campaign/check/rules.js'),
      import('./sending-service.js'),
    ]);
  const dns = dnsResolver(options.dnsServer ?? process.env.MAILSHOT_DNS_SERVER);
  const prepared = await prepareCampaign(options.file);
  const via = options.via ?? prepared.definition.via;
  if (!via || via === 'outbox')
    throw new InputError(`${options.file}: the check needs the account that will send: give --via ACCOUNT, or set "via" in the campaign`);
  const service = await sendingServiceOf(via);
  let bigMailbox = 0;
  const { recipients } = await validateCampaign(prepared, {
    onRecipient: (recipient) => void (isBigMailbox(recipient.key.slice(recipient.key.lastIndexOf('@') + 1)) && bigMailbox++),
  });
  const { definition } = prepared;
  const result = await preflight({
    from: definition.from,
    service,
    dns,
    size: { recipients, bigMailbox },
    unsubscribeUrl: definition.list_unsubscribe?.url,
  }).catch((error: unknown) => {
    throw new StopError(`a DNS look-up failed (${(error as Error).message}); check the network or --dns-server, then run the check again`);
  });
  if (options.json) printJson(io, { file: options.file, via, domain: result.domain, ok: result.failed === 0, findings: result.findings });
  else io.stdout.write(preflightText(result, `"${via}" (${serviceName(service)})`));
  return result.failed ? 1 : 0;
}
