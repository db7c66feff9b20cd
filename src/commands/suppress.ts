import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { terminalSafe } from '../system/terminal-text.js';
import { notice as noticeTo, processIo } from './io.js';
import { oneOf } from './options.js';

interface SuppressFlags {
  account?: string;
  json?: boolean;
}

const reasons = ['unsubscribed', 'bounced', 'complained', 'manual'] as const;

type ReasonFlags = SuppressFlags & { reason: (typeof reasons)[number] };

/** `mailshot suppress list|add|remove|import|export`: the suppression list of an account's sending identity. */
export function registerSuppress(program: Command): void {
  const suppress = program
    .command('suppress')
    .description('addresses no campaign of an account sends to (unsubscribed, bounced, complained)');
  const common = (command: Command) =>
    command
      .option('--account <name>', 'the sending account (default: the only one there is; "outbox" for rehearsals)')
      .option('--json', 'machine-readable output on stdout');
  common(suppress.command('list').description('show the suppressed addresses')).action(listAddresses);
  common(suppress.command('add').description('suppress addresses by hand').argument('<address...>'))
    .option('--reason <reason>', reasons.join(', '), oneOf(reasons), 'manual')
    .action(addAddresses);
  common(suppress.command('remove').description('send to these addresses again').argument('<address...>')).action(removeAddresses);
  common(suppress.command('import').description('suppress the addresses of a CSV file with an "email" column').argument('<file>'))
    .option('--reason <reason>', `for rows without a "reason" column: ${reasons.join(', ')}`, oneOf(reasons), 'unsubscribed')
    .action(importAddresses);
  common(suppress.command('export').description('print the list as CSV (email,reason,at,detail), or JSON with --json')).action(
    exportAddresses,
  );
}

async function listAddresses(flags: SuppressFlags): Promise<void> {
  const list = await openList(flags.account);
  const entries = list.all();
  if (flags.json)
    return void process.stdout.write(JSON.stringify({ identity: list.identity, count: entries.length, entries }, null, 2) + '\n');
  // loaded here: the report's module is not part of every command's start-up
  const { printable } = await import('../system/terminal-text.js');
  for (const entry of entries)
    process.stdout.write(`${entry.address}\t${entry.reason}\t${entry.at}${entry.detail ? `\t${printable(entry.detail)}` : ''}\n`);
  notice(`${entries.length} address(es) suppressed for ${list.identity}`);
}

async function addAddresses(addresses: string[], flags: ReasonFlags): Promise<void> {
  const { isValidAddress } = await import('../campaign/address.js');
  const invalid = addresses.filter((address) => !isValidAddress(address.trim()));
  if (invalid.length)
    throw new InputError(`not an email address: ${invalid.map((address) => JSON.stringify(address)).join(', ')}; nothing was added`);
  const list = await openList(flags.account);
  const added = await list.add(addresses.map((address) => ({ address: address.trim(), reason: flags.reason })));
  const already = addresses.length - added.length;
  report(
    flags,
    { identity: list.identity, added: added.length, already },
    `suppressed ${added.length} address(es) for ${list.identity}${already ? ` (${already} already were)` : ''}`,
  );
}

async function removeAddresses(addresses: string[], flags: SuppressFlags): Promise<void> {
  const list = await openList(flags.account);
  let removed = 0;
  for (const address of addresses) if (await list.remove(address)) removed++;
  const missing = addresses.length - removed;
  report(
    flags,
    { identity: list.identity, removed, not_found: missing },
    `removed ${removed} address(es) from ${list.identity}'s list${missing ? ` (${missing} were not on it)` : ''}`,
  );
}

async function importAddresses(file: string, flags: ReasonFlags): Promise<void> {
  const { importCsv } = await import('../suppress/import.js');
  const list = await openList(flags.account);
  const result = await importCsv(list, file, flags.reason);
  const invalid = result.invalid
    .slice(0, 20)
    .map(({ line, value }) => `\n  line ${line}: not an email address ${JSON.stringify(value)}`)
    .join('');
  const text = `imported ${result.added} address(es) into ${list.identity}'s list; ${result.already} already suppressed; ${result.invalid.length} row(s) skipped${invalid}`;
  report(flags, { identity: list.identity, ...result }, text);
}

async function exportAddresses(flags: SuppressFlags): Promise<void> {
  const list = await openList(flags.account);
  if (flags.json) return void process.stdout.write(JSON.stringify(list.all(), null, 2) + '\n');
  const { stringify } = await import('csv-stringify/sync');
  const rows = list.all().map((entry) => [entry.address, entry.reason, entry.at, entry.detail ?? '']);
  // A spreadsheet shows a cell starting with = + - @ as text only after a leading ' (OWASP's rule).
  const csv = stringify(rows, { header: true, columns: ['email', 'reason', 'at', 'detail'], escape_formulas: true });
  process.stdout.write(process.stdout.isTTY ? terminalSafe(csv) : csv);
}

async function openList(account: string | undefined) {
  const [{ chooseAccount }, { suppressionListOf }] = await Promise.all([import('../suppress/identity.js'), import('../suppress/open.js')]);
  return suppressionListOf(await chooseAccount(account));
}

function report(flags: SuppressFlags, json: object, text: string): void {
  if (flags.json) process.stdout.write(JSON.stringify(json) + '\n');
  else notice(text);
}

function notice(message: string): void {
  noticeTo(processIo(), message);
}
