import type { Summary } from './summary.js';

export function formatJson(summary: Summary): string {
  return JSON.stringify(summary, null, 2) + '\n';
}
