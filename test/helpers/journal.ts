import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface JournalLine {
  ev: string;
  to?: string;
  [field: string]: unknown;
}

/** The campaign journal's whole lines as they are on disk now (a line being written is left out). */
export async function journalEvents(stateDir: string): Promise<JournalLine[]> {
  const text = await readFile(path.join(stateDir, 'journal.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.endsWith('}'))
    .map((line) => JSON.parse(line) as JournalLine);
}

/** Waits until the journal shows what `check` looks for: the event itself, not a time window (the test's timeout bounds it). */
export async function journalShows(stateDir: string, check: (events: JournalLine[]) => boolean): Promise<void> {
  while (!check(await journalEvents(stateDir))) await new Promise((resolve) => setTimeout(resolve, 5));
}
