import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import type { CommandIo } from '../io.js';
import { oneOf } from '../options.js';
import { runsWith, typed } from '../verb.js';
import { accountOptions, openList, reasons, report, type ListOptions, type Reason } from './common.js';

export interface AddOptions extends ListOptions {
  addresses: string[];
  reason: Reason;
}

/** `mailshot suppress add ADDRESS…`: suppress addresses by hand; all of them, or none when one is not an address. */
export function define(suppress: Command): void {
  accountOptions(typed(suppress.command('add')).description('suppress addresses by hand').argument('<address...>'))
    .option('--reason <reason>', reasons.join(', '), oneOf(reasons), 'manual')
    .action(runsWith(run, (addresses, { account, json, reason }) => ({ addresses, account, json, reason })));
}

export async function run(options: AddOptions, io: CommandIo): Promise<void> {
  const { isValidAddress } = await import('../../campaign/address.js');
  const addresses = options.addresses;
  const invalid = addresses.filter((address) => !isValidAddress(address.trim()));
  if (invalid.length)
    throw new InputError(`not an email address: ${invalid.map((address) => JSON.stringify(address)).join(', ')}; nothing was added`);
  const list = await openList(options.account);
  const added = await list.add(addresses.map((address) => ({ address: address.trim(), reason: options.reason })));
  const already = addresses.length - added.length;
  report(
    io,
    options,
    { identity: list.identity, added: added.length, already },
    `suppressed ${added.length} address(es) for ${list.identity}${already ? ` (${already} already were)` : ''}`,
  );
}
