import { opendir, rm } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
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
    await writeFileAtomic(file, message.raw, { mode: 0o600 });
    return acceptedByApi(message, `written ${path.basename(file)}`);
  }

  async close(): Promise<void> {}
}

function emlFileName(messageId: string): string {
  return messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9@._-]/g, '_') + '.eml';
}
