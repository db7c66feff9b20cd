import type { CsvFingerprint } from '../campaign/csv-fingerprint.js';
import type { CsvReading, Recipient, RejectedRow, RowPosition } from '../campaign/recipients.js';

/** Lists up to this size are read once on a first send: the check's pass is kept and replayed by the send. */
const keptBytes = 4 * 1024 * 1024;

interface Entry {
  position: RowPosition;
  row?: Recipient | RejectedRow;
}

/**
 * The pass over the list a first send's check makes, kept (for a list of at most `keptBytes`) so that the
 * send goes through the very rows that were checked and confirmed, each address canonicalised once, rather
 * than reading the file again. A larger list is read again, keeping memory flat.
 */
export class FirstPass {
  private entries: Entry[] | undefined = [];
  private opened?: CsvFingerprint;

  /** For the check's reading of the list. */
  readonly reading: Required<Pick<CsvReading, 'onOpen' | 'onRow'>> = {
    onOpen: (fingerprint) => {
      this.opened = fingerprint;
      if (fingerprint.size > keptBytes) this.entries = undefined;
    },
    onRow: (position) => void this.entries?.push({ position }),
  };

  /** The row the check was just given (a recipient or a rejected row): it belongs to the last position. */
  keep(row: Recipient | RejectedRow): void {
    const last = this.entries?.at(-1);
    if (last) last.row = row;
  }

  get fingerprint(): CsvFingerprint | undefined {
    return this.opened;
  }

  /** The kept pass, told to `reading` as a new reading of the file would; undefined when it was not kept. */
  replay(reading: CsvReading): AsyncGenerator<Recipient | RejectedRow> | undefined {
    const { entries, opened } = this;
    if (!entries || !opened) return undefined;
    this.entries = undefined; // replayed once
    return (async function* () {
      reading.onOpen?.(opened);
      for (const { position, row } of entries) {
        reading.onRow?.(position);
        if (row) yield row;
      }
    })();
  }
}
