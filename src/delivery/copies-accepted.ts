import { readJournal } from '../store/journal.js';

/**
 * Copies that already have a recipient's message, from the journal: the server refused the recipient
 * (temporarily, or for good) and took these copies in the same transaction. A later attempt leaves them out.
 */
export async function copiesAcceptedIn(journal: string, warn: (message: string) => void): Promise<Map<string, string[]>> {
  const accepted = new Map<string, string[]>();
  for await (const event of readJournal(journal, warn)) {
    if ((event.ev !== 'deferred' && event.ev !== 'failed') || !event.accepted?.length) continue;
    accepted.set(event.to, [...new Set([...(accepted.get(event.to) ?? []), ...event.accepted])]);
  }
  return accepted;
}
