import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface JournalLine {
  ev: string;
  to?: string;
  [field: string]: unknown;
}

/** The campaign journal's path in a state folder. */
export const journalFile = (stateDir: string): string => path.join(stateDir, 'journal.jsonl');

/** The campaign journal's text; a missing journal fails the test. */
export async function journalText(stateDir: string): Promise<string> {
  return readFile(journalFile(stateDir), 'utf8');
}

/** Every line of a journal's text, parsed: a line that is not JSON fails the test. */
export function parseJournal<Line = JournalLine>(text: string): Line[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);
}

/** Every line of the campaign journal once a command has finished, parsed (see parseJournal). */
export async function journalLines<Line = JournalLine>(stateDir: string): Promise<Line[]> {
  return parseJournal<Line>(await journalText(stateDir));
}

/** The campaign journal's whole lines as they are on disk now (a line being written is left out). */
export async function journalEvents(stateDir: string): Promise<JournalLine[]> {
  const text = await readFile(journalFile(stateDir), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.endsWith('}'))
    .map((line) => JSON.parse(line) as JournalLine);
}

/** Waits until the journal shows what `check` looks for: the event itself, not a time window (the test's timeout bounds it). */
export async function journalShows(stateDir: string, check: (events: JournalLine[]) => boolean): Promise<void> {
  while (!check(await journalEvents(stateDir))) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Writes a campaign journal of these events (a state folder made by hand, or a run's journal edited). */
export async function writeJournal(stateDir: string, events: object[], options: { mode?: number } = {}): Promise<void> {
  await writeFile(journalFile(stateDir), events.map((event) => JSON.stringify(event) + '\n').join(''), options);
}
