import { writeFile } from 'node:fs/promises';
import { lastEventByRecipient, readJournal } from '../../src/store/journal.js';
import { attemptLine } from '../../src/store/journal-line.js';
import { tempDir } from '../helpers/cli.js';

// An `attempt` line leaves out the Message-ID once state.json records what it is made of (the From at the start);
// journals written before (each attempt with its `mid`) are still read as they are.

describe('Message-IDs in the journal', () => {
  test('a campaign whose state records its From at the start: the attempt line has no `mid`', () => {
    const line = attemptLine('a@x.example', 2, '<11@club.example>', true);
    expect(line).toEqual({ ev: 'attempt', to: 'a@x.example', at: expect.any(Number), line: 2 });
  });

  test('a campaign started before its state recorded the From: the attempt line keeps `mid`', () => {
    const line = attemptLine('a@x.example', 2, '<11@club.example>', false);
    expect(line).toEqual({ ev: 'attempt', to: 'a@x.example', at: expect.any(Number), line: 2, mid: '<11@club.example>' });
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
