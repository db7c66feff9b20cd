import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, writeCampaign } from './helpers/cli.js';
import { journalFile } from './helpers/journal.js';

/** Recipients the outbox holds a message for (the To: header of each .eml). */
async function outboxRecipients(outbox: string): Promise<string[]> {
  const files = await readdir(outbox);
  const bodies = await Promise.all(files.map((file) => readFile(path.join(outbox, file), 'utf8')));
  return bodies.map((body) => /^To: (?:.*<)?([^>\r\n]+)>?$/m.exec(body)![1].toLowerCase()).sort();
}

/**
 * Proof that a resume starts at the checkpoint: a recipient beyond the prefix is marked sent in the
 * checkpoint only (the journal never says so). A resume through the checkpoint takes its word; one that
 * read the journal would send that recipient. (Any edit of the journal before the checkpoint's offset
 * voids the checkpoint: its SHA-256 no longer matches.)
 */
async function markSentInCheckpointOnly(stateDir: string, address: string): Promise<void> {
  const file = path.join(stateDir, 'checkpoint.json');
  const checkpoint = JSON.parse(await readFile(file, 'utf8')) as { beyond: [string, string][] };
  checkpoint.beyond.push([address, 'sent']);
  await writeFile(file, JSON.stringify(checkpoint), { mode: 0o600 });
}

const csv =
  'email,name\nann@example.com,Ann\nbob@example.com,Bob\nnope,Bad\ncat@example.com,Cat\nANN@example.com,Ann again\ndan@example.com,Dan\n';

describe('resume through a checkpoint', () => {
  test('a run writes a checkpoint; the resume starts after the settled rows and still recognises a duplicate of a finished recipient', async () => {
    const campaign = await writeCampaign({ csv });
    const first = await runCli(['campaign', 'send', campaign.file, '--limit', '2']);
    expect(first.code).toBe(75);
    const checkpoint = JSON.parse(await readFile(path.join(campaign.stateDir, 'checkpoint.json'), 'utf8'));
    expect(checkpoint.prefix.line).toBe(5); // ann, bob and the invalid row are behind it
    expect((await stat(path.join(campaign.stateDir, 'checkpoint.json'))).mode & 0o077).toBe(0);
    expect((await stat(path.join(campaign.stateDir, 'checkpoint.keys'))).mode & 0o077).toBe(0);

    await markSentInCheckpointOnly(campaign.stateDir, 'dan@example.com');
    const resumed = await runCli(['campaign', 'resume', campaign.file, '--json']);
    expect(resumed.stderr).not.toMatch(/unexpected error/);
    expect(resumed.code).toBe(0);
    const sentNow = resumed.stdout
      .split('\n')
      .filter((line) => line.startsWith('{"type":"recipient"'))
      .map((line) => JSON.parse(line).to);
    expect(sentNow.sort()).toEqual(['cat@example.com']); // not ANN@example.com: ann had hers; not dan: the checkpoint says sent
    expect(JSON.parse(resumed.stdout.split('\n')[0])).toMatchObject({ type: 'start', already_done: 3, to_send: 1 });
    expect(await outboxRecipients(campaign.outbox)).toEqual(['ann@example.com', 'bob@example.com', 'cat@example.com']);
  });

  test('a list changed since the checkpoint (same size, new time) is read in full: a row edited behind the checkpoint is sent', async () => {
    const campaign = await writeCampaign({ csv });
    expect((await runCli(['campaign', 'send', campaign.file, '--limit', '2'])).code).toBe(75);
    const list = path.join(campaign.dir, 'recipients.csv');
    await writeFile(list, csv.replace('bob@example.com', 'bea@example.com')); // same length
    const later = new Date(Date.now() + 5000);
    await utimes(list, later, later);
    const resumed = await runCli(['campaign', 'resume', campaign.file]);
    expect(resumed.code).toBe(0);
    expect(await outboxRecipients(campaign.outbox)).toEqual([
      'ann@example.com',
      'bea@example.com',
      'bob@example.com',
      'cat@example.com',
      'dan@example.com',
    ]);
  });

  test('a journal cut back behind the checkpoint (restored from a backup) is read in full', async () => {
    const campaign = await writeCampaign({ csv });
    expect((await runCli(['campaign', 'send', campaign.file, '--limit', '2'])).code).toBe(75);
    const journal = journalFile(campaign.stateDir);
    const lines = (await readFile(journal, 'utf8')).split('\n');
    // Keep the rejected rows, ann's attempt and sent lines; bob's outcome is lost: he is sent again (in doubt → resend).
    const bobSent = lines.findIndex((line) => line.includes('"sent"') && line.includes('bob@'));
    await writeFile(journal, lines.slice(0, bobSent).join('\n') + '\n');
    // A journal shorter than state.json says is refused until `campaign repair` accepts it.
    const refused = await runCli(['campaign', 'resume', campaign.file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('campaign repair');
    expect((await runCli(['campaign', 'repair', campaign.file])).code).toBe(0);
    const resumed = await runCli(['campaign', 'resume', campaign.file, '--json']);
    expect(resumed.code).toBe(0);
    const sentNow = resumed.stdout
      .split('\n')
      .filter((line) => line.startsWith('{"type":"recipient"'))
      .map((line) => JSON.parse(line).to);
    // ann's `sent` may come after bob's (both were in flight at once): then it was cut too, and she is in doubt as well.
    const annKept = lines.slice(0, bobSent).some((line) => line.includes('"sent"') && line.includes('ann@'));
    expect(sentNow.sort()).toEqual([...(annKept ? [] : ['ann@example.com']), 'bob@example.com', 'cat@example.com', 'dan@example.com']);
  });
});
