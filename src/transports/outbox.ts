import { opendir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { acceptedByApi, type Accepted, type AccountInfo, type OutgoingMessage, type Transport } from './transport.js';
import { makeFolder } from '../system/make-folder.js';

/** Writes each message as `<dir>/<message id>.eml`; the default, so nothing leaves the machine. */
export class OutboxTransport implements Transport {
  constructor(private readonly dir: string) {}

  /**
   * Also removes the temporary files (`<id>.eml.<number>`) that a run killed in the middle of a write
   * leaves behind; the campaign lock makes the caller the only writer of this folder.
   */
  async verify(): Promise<AccountInfo> {
    await makeFolder(this.dir, 0o700);
    for await (const entry of await opendir(this.dir)) {
      if (/\.eml\.\d+$/.test(entry.name)) await rm(path.join(this.dir, entry.name), { force: true });
    }
    return { facts: { folder: this.dir } };
  }

  async send(message: OutgoingMessage): Promise<Accepted> {
    const file = path.join(this.dir, emlFileName(message.messageId));
    await writeWhole(file, message.raw);
    // the reply names the file it was written to (the journal keeps it for every recipient: no more words)
    return acceptedByApi(message, path.basename(file));
  }

  async close(): Promise<void> {}
}

/**
 * Writes a new file and flushes it before it takes its name, so a crash leaves the whole message or a
 * temporary file that verify() removes. Not write-file-atomic: its realpath of every new name (an lstat per
 * folder of the path) and its queueing cost more than composing the message, and the lock already makes
 * this run the folder's only writer.
 */
async function writeWhole(file: string, raw: Buffer): Promise<void> {
  const temporary = `${file}.${process.pid}`;
  try {
    await writeFile(temporary, raw, { mode: 0o600, flag: 'wx', flush: true });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function emlFileName(messageId: string): string {
  return messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9@._-]/g, '_') + '.eml';
}
