import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Journal } from '../../src/store/journal.js';
import { tempDir } from '../helpers/cli.js';

// A recipient's outcome may ride the journal's next commit (the next `attempt`), so that a message costs one
// write + fsync instead of two; it must still reach the disk in order, on its own after a short while, and at close().
// A commit waits for the end of the current turn, so the attempts of several messages started together share it.

const sent = (to: string) => ({ ev: 'sent', to, at: 1, reply: '250 ok' }) as const;
const attempt = (to: string) => ({ ev: 'attempt', to, at: 1 }) as const;
const linesOf = async (file: string) =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line).to);

async function openJournal(): Promise<{ file: string; journal: Journal }> {
  const file = path.join(await tempDir('mailshot-journal-'), 'journal.jsonl');
  return { file, journal: await Journal.open(file, () => undefined) };
}

describe('journal group commit', () => {
  test('a riding line is on disk, before it, once the next durable line is', async () => {
    const { file, journal } = await openJournal();
    await journal.append(attempt('a@example.com'));
    let rode = false;
    void journal.append(sent('a@example.com'), { ride: true }).then(() => (rode = true));
    await journal.append(attempt('b@example.com'));
    expect(rode).toBe(true);
    expect(await linesOf(file)).toEqual(['a@example.com', 'a@example.com', 'b@example.com']);
    expect((await stat(file)).size).toBe(journal.size);
    await journal.close();
  });

  test('the lines appended in one turn of the event loop share one commit', async () => {
    const { file, journal } = await openJournal();
    // the size on disk when each append resolves: one write for all three means all see all three lines
    const sizes = await Promise.all(['a', 'b', 'c'].map((name) => journal.append(attempt(`${name}@example.com`)).then(() => journal.size)));
    const size = (await stat(file)).size;
    expect(sizes).toEqual([size, size, size]);
    expect(await linesOf(file)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    await journal.close();
  });

  test('with nothing to ride on, the line is committed by itself shortly after', async () => {
    const { file, journal } = await openJournal();
    await journal.append(sent('a@example.com'), { ride: true });
    expect(await linesOf(file)).toEqual(['a@example.com']);
    await journal.close();
  });

  test('close() commits the riding lines before closing', async () => {
    const { file, journal } = await openJournal();
    const riding = journal.append(sent('a@example.com'), { ride: true });
    await journal.close();
    await riding;
    expect(await linesOf(file)).toEqual(['a@example.com']);
  });
});
