/** Bounce fixtures (test/fixtures/bounces/) filled in for a message mailshot sent. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from './cli.js';

export interface FixtureValues {
  recipient: string;
  messageId: string;
  sender: string;
  unsubscribe?: string;
}

export async function bounceFixture(name: string, values: FixtureValues): Promise<Buffer> {
  const text = await readFile(path.join(repoRoot, 'test/fixtures/bounces', name), 'utf8');
  const filled = text
    .replaceAll('{{RECIPIENT}}', values.recipient)
    .replaceAll('{{MESSAGE_ID}}', values.messageId)
    .replaceAll('{{SENDER}}', values.sender)
    .replaceAll('{{UNSUBSCRIBE}}', values.unsubscribe ?? 'unsubscribe@example.com');
  return Buffer.from(filled.replace(/\r?\n/g, '\r\n'));
}
