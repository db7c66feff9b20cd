import type { Summary } from './summary.js';
import type { RecipientOutcome } from './outcome.js';

/** The server's text without the code it starts with (most replies do: "550 5.1.1 …"), for a code shown apart. */
export function replyText(outcome: Pick<RecipientOutcome, 'code' | 'detail'>): string {
  const { code, detail = '' } = outcome;
  return code && detail.startsWith(code) ? detail.slice(code.length).trimStart() : detail;
}

/** The code and the server's text, with the code once. */
export function serverReply(outcome: Pick<RecipientOutcome, 'code' | 'detail'>): string {
  return [outcome.code, replyText(outcome)].filter(Boolean).join(' ');
}

/** The campaign's counts in words, the same in the final line of a run, `status` and the table report. */
export function totalsText(totals: Summary['totals']): string {
  return (
    `sent ${totals.sent} · failed ${totals.failed} · pending ${totals.pending}` +
    `${totals.deferred ? ` (deferred ${totals.deferred})` : ''} · in doubt ${totals.in_doubt} · skipped ${totals.skipped}`
  );
}
