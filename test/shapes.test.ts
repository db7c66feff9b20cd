import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { runCli, type CliResult } from './helpers/cli.js';
import { campaignOf, describeShape, shapes, type Shape } from './helpers/shapes.js';
import { runInProcess } from './helpers/in-process.js';

// Campaigns in the shapes users write (test/helpers/shapes.ts) through validate, preview and send (outbox)
// as a process. Each must succeed and deliver every recipient once; `unexpected error` anywhere is a bug.

function expectClean(result: CliResult, what: string): void {
  const output = result.stdout + result.stderr;
  expect({ what, code: result.code, unexpected: /unexpected error/i.test(output) ? output : '' }).toEqual({
    what,
    code: 0,
    unexpected: '',
  });
}

async function checkShape(shape: Shape): Promise<void> {
  const campaign = await campaignOf(shape);
  const label = describeShape(shape);
  expectClean(await runInProcess(['campaign', 'validate', campaign.file]), `validate ${label}`);
  const preview = await runInProcess(['campaign', 'preview', campaign.file, '--row', '2']);
  expectClean(preview, `preview ${label}`);
  expect(preview.stdout).toContain('Subject: Hi Bob');
  expectClean(await runCli(['campaign', 'send', campaign.file, '--yes']), `send ${label}`);

  const files = await readdir(campaign.outbox);
  expect(files).toHaveLength(3);
  const messages = await Promise.all(files.map(async (file) => simpleParser(await readFile(path.join(campaign.outbox, file)))));
  const bob = messages.find((message) => message.subject === 'Hi Bob');
  expect(bob?.to && 'value' in bob.to ? bob.to.value[0] : undefined).toEqual({
    address: 'bob@example.com',
    name: shape.fields.has('to_name') ? 'Bob' : 'Bob Stone',
  });
  expect(messages.map((message) => message.subject).sort()).toEqual(['Hi Ann', 'Hi Bob', 'Hi Cara, PhD']);
  for (const message of messages) {
    expect(message.text).toMatch(/Hello/);
    expect(Boolean(message.html)).toBe(shape.body !== 'text');
    expect(message.attachments.map((attachment) => attachment.filename)).toEqual(shape.fields.has('attachments') ? ['info.txt'] : []);
  }
}

describe('campaigns of every shape through the CLI', () => {
  const all = shapes();
  // Two at a time: each shape spawns three processes.
  for (let index = 0; index < all.length; index += 2) {
    const pair = all.slice(index, index + 2);
    test(
      pair.map(describeShape).join(' | '),
      async () => {
        await Promise.all(pair.map(checkShape));
      },
      60_000,
    );
  }
});
