import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { isValidAddress } from '../campaign/address.js';
import { InputError } from '../errors.js';
import { suppressReasons, type SuppressionList, type SuppressReason } from './list.js';

export interface ImportResult {
  added: number;
  /** Rows whose address was suppressed already (or appeared twice). */
  already: number;
  /** Rows without a valid address, by CSV line. */
  invalid: { line: number; value: string }[];
}

/**
 * `suppress import FILE`: a CSV with an `email` column (what an unsubscribe endpoint exports); an optional
 * `reason` column (unsubscribed, bounced, complained, manual) overrides `reason` per row.
 */
export async function importCsv(list: SuppressionList, file: string, reason: SuppressReason): Promise<ImportResult> {
  const result: ImportResult = { added: 0, already: 0, invalid: [] };
  const additions: { address: string; reason: SuppressReason; detail: string }[] = [];
  const parser = createReadStream(file).pipe(
    parse({ columns: true, bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (!('email' in record))
        throw new InputError(`${file}:1: no "email" column; the first line must name the columns, e.g. "email,reason"`);
      const address = record.email ?? '';
      if (!isValidAddress(address)) {
        result.invalid.push({ line: info.lines, value: address });
        continue;
      }
      const rowReason = suppressReasons.find((known) => known === record.reason?.toLowerCase()) ?? reason;
      additions.push({ address, reason: rowReason, detail: `imported from ${file}` });
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const added = await list.add(additions);
  result.added = added.length;
  result.already = additions.length - added.length;
  return result;
}
