/**
 * Attachment paths of rows the first scan never saw (added before a resume) are checked when the message
 * is composed, with the same rules: a FIFO or other non-regular file is a failure of that recipient,
 * never a hang; the other recipients are sent.
 */
import { execFileSync } from 'node:child_process';
import { appendFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { runCli, writeCampaign } from './helpers/cli.js';
import { reportJson } from './helpers/report.js';

test('a row added before resume whose templated attachment is a FIFO: that recipient fails naming the file, the rest are sent, no hang', async () => {
  const campaign = await writeCampaign({
    fields: { attachments: ['files/{{ name }}.txt'] },
    csv: 'email,name\nann@example.com,ann\nbob@example.com,bob\ncid@example.com,cid\n',
    files: { 'files/ann.txt': 'for Ann', 'files/bob.txt': 'for Bob', 'files/cid.txt': 'for Cid', 'files/eve.txt': 'for Eve' },
  });
  expect((await runCli(['campaign', 'send', campaign.file, '--limit', '1'])).code).toBe(75);
  const fifo = path.join(campaign.dir, 'files', 'dan.txt');
  execFileSync('mkfifo', [fifo]);
  await appendFile(path.join(campaign.dir, 'recipients.csv'), 'dan@example.com,dan\neve@example.com,eve\n');

  const started = Date.now();
  const resumed = await runCli(['campaign', 'resume', campaign.file]);
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(resumed.stderr).not.toMatch(/unexpected error|\n\s+at /);
  expect(resumed.code).toBe(0);
  expect(resumed.stderr).toContain('failed 1');
  expect(await readdir(campaign.outbox)).toHaveLength(4);
  const report = await reportJson<{
    recipients: { recipient: string; status: string; detail?: string }[];
  }>(campaign.file);
  expect(report.recipients.find((r) => r.recipient === 'dan@example.com')).toMatchObject({
    status: 'failed',
    detail: expect.stringContaining(`${fifo}`),
  });
  expect(report.recipients.find((r) => r.recipient === 'dan@example.com')!.detail).toContain('FIFO or socket, not a regular file');
}, 30_000);
