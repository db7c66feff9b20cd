import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { writeCampaign } from './helpers/cli.js';
import { runInProcess } from './helpers/in-process.js';
import { reportJson } from './helpers/report.js';

const csv = 'email,name\nann@example.com,Ann\nnot-an-address,X\nbob@example.com,Bob\nAnn@Example.com,Ann again\ncid@example.com,Cid\n';

describe('one count everywhere', () => {
  test('the final line, status and every report format give the same campaign totals', async () => {
    const campaign = await writeCampaign({ csv });
    const sent = await runInProcess(['campaign', 'send', campaign.file]);
    expect(sent.code).toBe(0);
    const totals = 'sent 3 · failed 0 · pending 0 · in doubt 0 · skipped 2';
    expect(sent.stderr).toContain(`done: sent 3, failed 0, deferred 0, skipped 0 in this run; campaign: ${totals}`);
    const status = await runInProcess(['campaign', 'status', campaign.file]);
    expect(status.stdout).toContain(`Recipients  3 valid: ${totals}`);
    expect((await runInProcess(['report', campaign.file])).stdout).toContain(`Recipients  3 valid: ${totals}`);
    const json = await reportJson(campaign.file);
    expect(json.totals).toMatchObject({ recipients: 3, sent: 3, skipped: 2 });
    const statusJson = JSON.parse((await runInProcess(['campaign', 'status', campaign.file, '--json'])).stdout);
    expect(statusJson.totals).toEqual(json.totals);
    const csvRows = (await runInProcess(['report', campaign.file, '--format', 'csv'])).stdout.trim().split('\n').slice(1);
    expect(csvRows.filter((row) => row.includes(',sent,'))).toHaveLength(3);
    expect(csvRows.filter((row) => row.includes(',skipped,'))).toHaveLength(2);
  });

  test('a campaign marked running whose process is gone is "interrupted"', async () => {
    const campaign = await writeCampaign();
    expect((await runInProcess(['campaign', 'send', campaign.file, '--limit', '1'])).code).toBe(75);
    const stateFile = path.join(campaign.stateDir, 'state.json');
    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    await writeFile(stateFile, JSON.stringify({ ...state, status: 'running', reason: undefined })); // as a SIGKILL leaves it
    await writeFile(
      path.join(campaign.stateDir, 'lock'),
      JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), since: new Date().toISOString() }),
    );
    const status = await runInProcess(['campaign', 'status', campaign.file]);
    expect(status.stdout).toContain('Status      interrupted — the sending process is gone');
    expect(JSON.parse((await runInProcess(['campaign', 'status', campaign.file, '--json'])).stdout).status).toBe('interrupted');
  });
});

test('rows added to the CSV after the first send are counted by the run, status and the report', async () => {
  const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\nbob@example.com,Bob\n' });
  expect((await runInProcess(['campaign', 'send', campaign.file, '--limit', '1'])).code).toBe(75);
  await writeFile(
    path.join(campaign.dir, 'recipients.csv'),
    'email,name\nann@example.com,Ann\nbob@example.com,Bob\ncid@example.com,Cid\ndee@example.com,Dee\n',
  );
  const resumed = await runInProcess(['campaign', 'resume', campaign.file, '--json']);
  expect(resumed.code).toBe(0);
  const progress = resumed.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((event) => event.type === 'progress')
    .at(-1);
  expect(progress).toMatchObject({ handled: 3, total: 3, sent: 3 });
  const json = await reportJson(campaign.file);
  expect(json.totals).toMatchObject({ recipients: 4, sent: 4, pending: 0 });
  expect((await runInProcess(['campaign', 'status', campaign.file])).stdout).toContain(
    'Recipients  4 valid: sent 4 · failed 0 · pending 0',
  );
});
