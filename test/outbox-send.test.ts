import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, writeCampaign } from './helpers/cli.js';
import { reportJson } from './helpers/report.js';
import { runInProcess } from './helpers/in-process.js';

describe('campaign send through the outbox', () => {
  test('writes one .eml per valid recipient, reports, and a second send or resume sends nothing more', async () => {
    const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\nbob@example.com,Bob\nANN@example.com,Dup\nnope,Bad\n' });
    const sent = await runCli(['campaign', 'send', campaign.file]);
    expect(sent.stderr).toContain('done: sent 2');
    expect(sent.code).toBe(0);
    const files = await readdir(campaign.outbox);
    expect(files).toHaveLength(2);
    const bodies = await Promise.all(files.map((file) => readFile(path.join(campaign.outbox, file), 'utf8')));
    expect(bodies.join('\n')).toMatch(/Subject: Hello Ann/);
    expect(bodies.join('\n')).toMatch(/Subject: Hello Bob/);

    const again = await runCli(['campaign', 'send', campaign.file]);
    expect(again.code).toBe(0);
    const resumed = await runCli(['campaign', 'resume', campaign.file]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toBe('mailshot: this campaign is already complete; nothing to send\n'); // said even off a terminal
    expect(await readdir(campaign.outbox)).toHaveLength(2);

    const json = await reportJson(campaign.file);
    expect(json.totals).toMatchObject({ sent: 2, failed: 0, skipped: 2, pending: 0, in_doubt: 0 });
    expect(json.skipped_by_reason).toEqual({ duplicate: 1, invalid_address: 1 });
    const status = JSON.parse((await runInProcess(['campaign', 'status', campaign.file, '--json'])).stdout);
    expect(status.totals).toEqual(json.totals);
  });
});
