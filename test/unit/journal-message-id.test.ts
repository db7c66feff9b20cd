import { readFile, writeFile } from 'node:fs/promises';
import { Journal, lastEventByRecipient, readJournal } from '../../src/store/journal.js';
import { saveState } from '../../src/store/journal-check.js';
import { statePaths, type CampaignState } from '../../src/store/state.js';
import { tempDir } from '../helpers/cli.js';

// An `attempt` line leaves out the Message-ID once state.json records what it is made of (the From at the start);
// journals written before (each attempt with its `mid`) are still read as they are.

const attempt = (to: string, line: number) => ({ ev: 'attempt', to, at: 1, line, mid: `<${to.length}@club.example>` }) as const;

function stateOf(started: boolean): CampaignState {
  const now = new Date(0).toISOString();
  return {
    version: 1,
    campaignId: 'c-1',
    campaignFile: '/c.yaml',
    via: 'outbox',
    status: 'running',
    recipients: 2,
    createdAt: now,
    updatedAt: now,
    ...(started ? { started: { from: 'news@club.example', subject: 'Hi', templates: 'x' } } : {}),
  };
}

async function linesWritten(started: boolean): Promise<string[]> {
  const paths = statePaths('c.yaml', await tempDir('mailshot-journal-mid-'));
  await writeFile(paths.journal, '', { mode: 0o600 });
  const journal = await Journal.open(paths.journal, () => undefined);
  await saveState(paths, stateOf(started), journal);
  await journal.append(attempt('a@x.example', 2));
  await journal.append({ ev: 'sent', to: 'a@x.example', at: 2, reply: '250 ok' });
  await journal.close();
  return (await readFile(paths.journal, 'utf8')).trim().split('\n');
}

describe('Message-IDs in the journal', () => {
  test('a campaign whose state records its From at the start: attempt lines without `mid`, every other field kept', async () => {
    expect(await linesWritten(true)).toEqual([
      '{"ev":"attempt","to":"a@x.example","at":1,"line":2}',
      '{"ev":"sent","to":"a@x.example","at":2,"reply":"250 ok"}',
    ]);
  });

  test('a campaign started before its state recorded the From: attempt lines keep `mid`', async () => {
    expect((await linesWritten(false))[0]).toBe('{"ev":"attempt","to":"a@x.example","at":1,"line":2,"mid":"<11@club.example>"}');
  });

  test('a journal of the earlier format (attempts with `mid`) followed by lines without is read whole', async () => {
    const file = `${await tempDir('mailshot-journal-old-')}/journal.jsonl`;
    const old = [
      '{"ev":"run","at":0,"what":"start","via":"outbox","name":"N","campaign":"c-1"}',
      '{"ev":"attempt","to":"a@x.example","at":1,"line":2,"mid":"<0f5132429280dfe0de2e1ac7c3f52497@club.example>"}',
      '{"ev":"sent","to":"a@x.example","at":2,"reply":"written 0f5132429280dfe0de2e1ac7c3f52497@club.example.eml"}',
      '{"ev":"attempt","to":"b@x.example","at":3,"line":3}',
    ];
    await writeFile(file, old.join('\n') + '\n', { mode: 0o600 });
    const events = [];
    for await (const event of readJournal(file, () => undefined)) events.push(event);
    expect(events.map((event) => event.ev)).toEqual(['run', 'attempt', 'sent', 'attempt']);
    expect(events[1]).toEqual({ ev: 'attempt', to: 'a@x.example', at: 1, line: 2, mid: '<0f5132429280dfe0de2e1ac7c3f52497@club.example>' });
    expect(events[3]).toEqual({ ev: 'attempt', to: 'b@x.example', at: 3, line: 3 });
    const last = await lastEventByRecipient(file, () => undefined);
    expect([...last]).toEqual([
      ['a@x.example', 'sent'],
      ['b@x.example', 'attempt'],
    ]);
  });
});
