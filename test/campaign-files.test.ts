/**
 * Files a campaign names are checked every time they are opened, not only by the first send's scan:
 * an attachment or recipients file swapped for a FIFO (which would block the read for ever) or a
 * device after the campaign started is refused by `resume` too, at once.
 */
import { execFileSync } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { runCli, writeCampaign } from './helpers/cli.js';
import { journalText } from './helpers/journal.js';

const stackTrace = /unexpected error|\n\s+at /;

describe('files swapped after the campaign started', () => {
  test('an attachment replaced by a FIFO: resume exits 2 naming it, without hanging; nothing more is sent', async () => {
    const campaign = await writeCampaign({ fields: { attachments: ['notes.txt'] }, files: { 'notes.txt': 'notes\n' } });
    expect((await runCli(['campaign', 'send', campaign.file, '--limit', '1'])).code).toBe(75);
    await rm(path.join(campaign.dir, 'notes.txt'));
    execFileSync('mkfifo', [path.join(campaign.dir, 'notes.txt')]);
    const result = await runCli(['campaign', 'resume', campaign.file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('notes.txt');
    expect(result.stderr).toContain('a device, FIFO or socket, not a regular file');
    expect(result.stderr).not.toMatch(stackTrace);
    expect(await readdir(campaign.outbox)).toHaveLength(1);
  }, 20_000);

  test('a per-recipient attachment replaced by a link to /dev/zero: that recipient fails with the reason, nothing is read from it', async () => {
    const campaign = await writeCampaign({
      fields: { attachments: ['files/{{ name }}.txt'], allow_files_outside: true },
      files: { 'files/Ann.txt': 'for Ann\n', 'files/Bob.txt': 'for Bob\n' },
    });
    expect((await runCli(['campaign', 'send', campaign.file, '--limit', '1'])).code).toBe(75);
    await rm(path.join(campaign.dir, 'files/Bob.txt'));
    execFileSync('ln', ['-s', '/dev/zero', path.join(campaign.dir, 'files/Bob.txt')]);
    const result = await runCli(['campaign', 'resume', campaign.file]);
    expect(result.stderr).toContain('failed 1');
    expect(result.stderr).not.toMatch(stackTrace);
    const journal = await journalText(campaign.stateDir);
    expect(journal).toContain('"ev":"failed","to":"bob@example.com"');
    expect(journal).toContain('it is a file of the operating system (/dev/zero), never part of a message');
    expect(await readdir(campaign.outbox)).toHaveLength(1);
  }, 20_000);

  test('the recipients file replaced by a FIFO: resume exits 2 naming it', async () => {
    const campaign = await writeCampaign();
    expect((await runCli(['campaign', 'send', campaign.file, '--limit', '1'])).code).toBe(75);
    await rm(path.join(campaign.dir, 'recipients.csv'));
    execFileSync('mkfifo', [path.join(campaign.dir, 'recipients.csv')]);
    const result = await runCli(['campaign', 'resume', campaign.file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `cannot read recipients file ${path.join(campaign.dir, 'recipients.csv')}: it is a device, FIFO or socket`,
    );
  }, 20_000);
});
