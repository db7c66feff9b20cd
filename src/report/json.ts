import { JournalAt } from '../store/journal-at.js';
import type { JournalFold, Summary } from './summary.js';
import type { RecipientOutcome } from './outcome.js';

export function formatJson(summary: Summary): string {
  const { recipients, ...head } = summary;
  // `recipients` last, whatever was added to the summary after it (the lock): the streamed report relies on it
  return JSON.stringify({ ...head, recipients }, null, 2) + '\n';
}

/** Text is handed on in pieces of about this many characters. */
const pieceLength = 1 << 16;

/**
 * `report --format json` written as the recipients are read back from the journal (a fold given places):
 * the same text as formatJson, without a list of millions in memory as objects or as one string.
 */
export async function writeJson(
  fold: JournalFold,
  summary: Summary,
  journal: string,
  write: (text: string) => Promise<void>,
): Promise<void> {
  const at = new JournalAt(journal);
  try {
    await writeList(summary, fold.outcomes(summary.listed, at), write);
  } finally {
    at.close();
  }
}

/** Outcomes stringified by one JSON.stringify call: one call per outcome (and re-indenting it) costs about twice as much. */
const batchLength = 256;

async function writeList(summary: Summary, outcomes: Iterable<RecipientOutcome>, write: (text: string) => Promise<void>): Promise<void> {
  const emptyList = '[]\n}\n'; // how formatJson ends: `recipients` is the last field
  let text = formatJson({ ...summary, recipients: [] }).slice(0, -emptyList.length) + '[';
  let batch: RecipientOutcome[] = [];
  let count = 0;
  const addBatch = () => {
    text += `${count ? ',' : ''}\n${itemsAtDepthTwo(batch)}`;
    count += batch.length;
    batch = [];
  };
  for (const outcome of outcomes) {
    if (batch.push(outcome) < batchLength) continue;
    addBatch();
    if (text.length < pieceLength) continue;
    await write(text);
    text = '';
  }
  if (batch.length) addBatch();
  await write(text + (count ? '\n  ]\n}\n' : ']\n}\n'));
}

/** The items as JSON.stringify(…, null, 2) writes them two levels down (inside `recipients`), joined by ",\n". */
function itemsAtDepthTwo(items: RecipientOutcome[]): string {
  const opening = '[\n  [\n';
  const closing = '\n  ]\n]';
  return JSON.stringify([items], null, 2).slice(opening.length, -closing.length);
}
