import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeCampaign } from './helpers/cli.js';
import { reportJson } from './helpers/report.js';
import { journalFile } from './helpers/journal.js';
import { runInProcess } from './helpers/in-process.js';

const count = 12_000;

/** A state folder as the send loop leaves it: sent, failed, deferred, in doubt, rejected rows, two runs. */
async function writeState(stateDir: string, campaignFile: string): Promise<string> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const at = Date.parse('2026-11-30T10:00:00Z');
  const lines = [
    { ev: 'skipped', at, reason: 'duplicate', line: 5, value: 'R1@example.com' },
    { ev: 'skipped', at, reason: 'invalid_address', line: 9, value: 'nope' },
    { ev: 'run', at, what: 'start', via: 'outbox' },
  ];
  for (let index = 0; index < count; index++) {
    const to = `r${index}@example.com`;
    lines.push({ ev: 'attempt', to, at: at + index } as never);
    if (index % 1000 === 1) lines.push({ ev: 'failed', to, at: at + index, kind: 'permanent', code: '550', text: 'no such user' } as never);
    else if (index % 1000 === 2) lines.push({ ev: 'deferred', to, at: at + index, kind: 'transient', code: '451', text: 'later' } as never);
    else if (index % 1000 !== 3) lines.push({ ev: 'sent', to, at: at + index, reply: 'written' } as never); // …3: in doubt
  }
  lines.push({ ev: 'run', at: at + count, what: 'end', status: 'paused' } as never);
  const journal = journalFile(stateDir);
  await writeFile(journal, lines.map((line) => JSON.stringify(line)).join('\n') + '\n', { mode: 0o600 });
  const state = {
    version: 1,
    campaignId: 'c0ffee00-0000-4000-8000-000000000001',
    campaignFile,
    via: 'outbox',
    status: 'paused',
    reason: 'interrupted',
    recipients: count + 5,
    createdAt: new Date(at).toISOString(),
    updatedAt: new Date(at).toISOString(),
  };
  await writeFile(path.join(stateDir, 'state.json'), JSON.stringify(state), { mode: 0o600 });
  return journal;
}

const statusOf = async (file: string, stateDir: string) => {
  const result = await runInProcess(['campaign', 'status', file, '--state', stateDir, '--json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const { account: _account, listed: _listed, warnings: _warnings, ...status } = JSON.parse(result.stdout); // status's own fields
  return status;
};

const reportOf = async (file: string, stateDir: string) => {
  const { recipients: _recipients, ...report } = await reportJson(file, ['--state', stateDir]); // status --json lists none
  return report;
};

describe('campaign status through its snapshot of the journal', () => {
  test('the second status reads only the new lines and says what the full report says', async () => {
    const campaign = await writeCampaign();
    const stateDir = path.join(campaign.dir, 'state');
    const journal = await writeState(stateDir, campaign.file);

    const first = await statusOf(campaign.file, stateDir);
    expect(first).toEqual(await reportOf(campaign.file, stateDir));
    expect(first.totals).toMatchObject({ sent: count - 36, failed: 12, deferred: 12, in_doubt: 12, skipped: 2 });
    expect((await stat(path.join(stateDir, 'status-snapshot.json'))).mode & 0o077).toBe(0);

    // A later run: an in-doubt recipient sent, a deferred one failed, a new one sent; then the run ends.
    const at = Date.parse('2026-12-01T08:00:00Z');
    const later = [
      { ev: 'run', at, what: 'start', via: 'outbox' },
      { ev: 'sent', to: 'r3@example.com', at, reply: 'written' },
      { ev: 'failed', to: 'r2@example.com', at, kind: 'permanent', code: '550', text: 'gone' },
      { ev: 'attempt', to: 'extra@example.com', at },
      { ev: 'sent', to: 'extra@example.com', at, reply: 'written' },
      { ev: 'limits', at, concurrency: 4, why: 'throttled' },
      { ev: 'run', at, what: 'end', status: 'paused' },
    ];
    await appendFile(journal, later.map((line) => JSON.stringify(line)).join('\n') + '\n');
    const expected = await reportOf(campaign.file, stateDir);
    expect(expected.totals).toMatchObject({ sent: count - 34, failed: 13, deferred: 11, in_doubt: 11 });

    // Proof that the snapshot is used: a count that only the snapshot holds shows in status.
    const snapshotFile = path.join(stateDir, 'status-snapshot.json');
    const snapshot = JSON.parse(await readFile(snapshotFile, 'utf8')) as { fold: { settled: { tally: { failed: number } } } };
    snapshot.fold.settled.tally.failed += 1000;
    await writeFile(snapshotFile, JSON.stringify(snapshot), { mode: 0o600 });
    const throughSnapshot = await statusOf(campaign.file, stateDir);
    expect(throughSnapshot.totals.failed).toBe(expected.totals.failed + 1000);
    expect({ ...throughSnapshot, totals: undefined, failed_by_reason: undefined }).toEqual({
      ...expected,
      totals: undefined,
      failed_by_reason: undefined,
    });

    // A line edited before the snapshot's offset voids it: status reads it and refuses it, as every command does.
    const text = await readFile(journal, 'utf8');
    await writeFile(journal, 'x'.repeat(text.indexOf('\n')) + text.slice(text.indexOf('\n')));
    const refused = await runInProcess(['campaign', 'status', campaign.file, '--state', stateDir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('journal.jsonl:1: this line is not valid JSON');
  });

  test('a journal cut back behind the snapshot is read in full', async () => {
    const campaign = await writeCampaign();
    const stateDir = path.join(campaign.dir, 'state');
    const journal = await writeState(stateDir, campaign.file);
    await statusOf(campaign.file, stateDir);
    const text = await readFile(journal, 'utf8');
    await writeFile(journal, text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1)); // the run's end line removed
    const status = await statusOf(campaign.file, stateDir);
    expect(status).toEqual(await reportOf(campaign.file, stateDir));
    expect(status.runs).toEqual([{ started_at: '2026-11-30T10:00:00.000Z' }]);
  });
});
