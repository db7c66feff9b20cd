import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Accepted, AccountInfo, OutgoingMessage, Transport } from './transport.js';

/** Writes each message as `<dir>/<message id>.eml`; the default, so nothing leaves the machine. */
export class OutboxTransport implements Transport {
  constructor(private readonly dir: string) {}

  async verify(): Promise<AccountInfo> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    return { facts: { folder: this.dir } };
  }

  async send(message: OutgoingMessage): Promise<Accepted> {
    const file = path.join(this.dir, emlFileName(message.messageId));
    await writeFileAtomic(file, message.raw, { mode: 0o600 });
    return { response: `written ${path.basename(file)}` };
  }

  async close(): Promise<void> {}
}

export function emlFileName(messageId: string): string {
  return messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9@._-]/g, '_') + '.eml';
}
