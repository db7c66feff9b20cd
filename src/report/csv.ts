import { stringify } from 'csv-stringify/sync';
import type { Summary } from './summary.js';

const columns = ['recipient', 'status', 'line', 'reason', 'code', 'detail', 'at', 'cc', 'bcc'] as const;
/** Copies the server refused, "address (reply)" each, space-separated. */
const refusedColumn = 'refused_copies';
/** What `bounces check` found after delivery: bounced, complained or unsubscribed, the bounce's status and diagnostic. */
const afterColumns = ['after_delivery', 'after_status', 'after_detail', 'after_at'] as const;

/**
 * One row per recipient (and per rejected CSV row); the copies of a message space-separated. A cell starting
 * with = + - @, tab or CR gets a leading ' so that a spreadsheet shows it as text instead of running it.
 */
export function formatCsv(summary: Summary): string {
  const cell = (value: string | number | string[] | undefined) => (Array.isArray(value) ? value.join(' ') : (value ?? ''));
  const rows = summary.recipients.map((outcome) => [
    ...columns.map((column) => cell(outcome[column])),
    cell(outcome.refused_copies?.map(({ address, reply }) => `${address} (${reply})`)),
    outcome.after ? (outcome.after.hard === false ? 'soft_bounced' : outcome.after.event) : '',
    outcome.after?.status ?? '',
    outcome.after?.detail ?? '',
    outcome.after?.at ?? '',
  ]);
  return stringify(rows, { header: true, columns: [...columns, refusedColumn, ...afterColumns], escape_formulas: true });
}
