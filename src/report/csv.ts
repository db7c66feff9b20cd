import { stringify } from 'csv-stringify/sync';
import type { Summary } from './summary.js';

const columns = ['recipient', 'status', 'line', 'reason', 'code', 'detail', 'at'] as const;

/** One row per recipient (and per rejected CSV row). */
export function formatCsv(summary: Summary): string {
  return stringify(summary.recipients.map((outcome) => columns.map((column) => outcome[column] ?? '')), { header: true, columns: [...columns] });
}
