import { stringify } from 'csv-stringify/sync';
import type { Summary } from './summary.js';

const columns = ['recipient', 'status', 'line', 'reason', 'code', 'detail', 'at', 'cc', 'bcc'] as const;

/** One row per recipient (and per rejected CSV row); the copies of a message space-separated. */
export function formatCsv(summary: Summary): string {
  const cell = (value: string | number | string[] | undefined) => (Array.isArray(value) ? value.join(' ') : value ?? '');
  return stringify(summary.recipients.map((outcome) => columns.map((column) => cell(outcome[column]))), { header: true, columns: [...columns] });
}
