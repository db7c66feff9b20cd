import { closeSync, constants, openSync, readSync } from 'node:fs';
import type { Place } from './journal.js';
import type { JournalEvent } from './journal-line.js';
import { parseJournalLine } from './journal-line.js';

const windowBytes = 1 << 20;

/**
 * Reads events back from the places readJournalPlaced gave, through a 1 MiB window: lines asked for in
 * about the journal's order cost one read per window, not one per line. Lines before the end of a journal
 * never change (it is append-only), so a place read once stays valid while a run appends.
 */
export class JournalAt {
  private readonly fd: number;
  private window = Buffer.alloc(windowBytes);
  private windowStart = 0;
  private windowEnd = 0;

  constructor(private readonly file: string) {
    this.fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  }

  read({ start, bytes }: Place): JournalEvent {
    if (start < this.windowStart || start + bytes > this.windowEnd) {
      if (bytes > this.window.length) this.window = Buffer.alloc(bytes);
      this.windowStart = start;
      this.windowEnd = start + readSync(this.fd, this.window, 0, this.window.length, start);
    }
    const offset = start - this.windowStart;
    return parseJournalLine(this.file, this.window.toString('utf8', offset, offset + bytes), 0);
  }

  close(): void {
    closeSync(this.fd);
  }
}
