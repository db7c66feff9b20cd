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

async function writeList(summary: Summary, outcomes: Iterable<RecipientOutcome>, write: (text: string) => Promise<void>): Promise<void> {
  const emptyList = '[]\n}\n'; // how formatJson ends: `recipients` is the last field
  let text = formatJson({ ...summary, recipients: [] }).slice(0, -emptyList.length) + '[';
  let count = 0;
  for (const outcome of outcomes) {
    text += `${count++ ? ',' : ''}\n    ${JSON.stringify(outcome, null, 2).replaceAll('\n', '\n    ')}`;
    if (text.length < pieceLength) continue;
    await write(text);
    text = '';
  }
  await write(text + (count ? '\n  ]\n}\n' : ']\n}\n'));
}
