/**
 * State that does not match refuses, never resends: state.json and the journal cross-check (campaign id,
 * journal length); a missing or shortened file is exit 1 naming it and the safe way on (`campaign repair`
 * rebuilds state.json from the journal with its campaign id); journal lines are strictly validated.
 */
import { appendFile, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { recipientsCsv, runCli, writeCampaign, type CampaignFixture } from './helpers/cli.js';
import { reportJson } from './helpers/report.js';
import { journalFile } from './helpers/journal.js';
import { runInProcess } from './helpers/in-process.js';

const count = 10;

/** 10 recipients and one invalid row; 4 sent by `send --limit 4`; r5 left in doubt as by a crash (its attempt on disk, no outcome). */
async function partlySent(): Promise<{ campaign: CampaignFixture; journalPath: string; stateFile: string; campaignId: string }> {
  const campaign = await writeCampaign({ csv: recipientsCsv(count) + 'not-an-address,Bad\n' });
  expect((await runCli(['campaign', 'send', campaign.file, '--limit', '4'])).code).toBe(75);
  const journalPath = journalFile(campaign.stateDir);
  const stateFile = path.join(campaign.stateDir, 'state.json');
  await appendFile(journalPath, JSON.stringify({ ev: 'attempt', to: 'r5@example.com', at: Date.now() }) + '\n');
  const { campaignId } = JSON.parse(await readFile(stateFile, 'utf8')) as { campaignId: string };
  return { campaign, journalPath, stateFile, campaignId };
}

async function messageIds(campaign: CampaignFixture): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const name of await readdir(campaign.outbox)) {
    const mail = await simpleParser(await readFile(path.join(campaign.outbox, name)));
    ids.set((mail.to as { value: { address: string }[] }).value[0]!.address, mail.messageId!);
  }
  return ids;
}

describe('state.json and the journal disagree', () => {
  test('state.json deleted, journal kept: send, resume and status exit 1 naming it and `campaign repair`; repair keeps the campaign id; resume finishes, nobody twice', async () => {
    const { campaign, stateFile, campaignId } = await partlySent();
    const before = await messageIds(campaign);
    await rm(stateFile);
    for (const args of [
      ['campaign', 'send', campaign.file],
      ['campaign', 'resume', campaign.file],
      ['campaign', 'status', campaign.file],
    ]) {
      const refused = await runCli(args);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${stateFile} is missing`);
      expect(refused.stderr).toContain(`mailshot campaign repair ${campaign.file}`);
      expect(refused.stderr).not.toMatch(/\n\s+at |unexpected error/);
    }
    expect(await readdir(campaign.outbox)).toHaveLength(4);

    const repaired = await runCli(['campaign', 'repair', campaign.file]);
    expect(repaired.code).toBe(0);
    expect(repaired.stderr).toContain(`campaign id ${campaignId}`);
    expect(JSON.parse(await readFile(stateFile, 'utf8'))).toMatchObject({ campaignId, status: 'paused', recipients: count });
    expect((await runCli(['campaign', 'resume', campaign.file])).code).toBe(0);
    const after = await messageIds(campaign);
    expect(after.size).toBe(count);
    for (const [to, id] of before) expect(after.get(to)).toBe(id);
    const report = await reportJson<{ totals: Record<string, number> }>(campaign.file);
    expect(report.totals).toMatchObject({ sent: count, skipped: 1, in_doubt: 0 }); // the rejected row recorded once
  });

  test.each([
    ['emptied', (file: string) => writeFile(file, '')],
    ['cut to half', async (file: string) => truncate(file, Math.floor((await readFile(file)).length / 2))],
  ])('journal %s while state.json exists: exit 1 naming the journal, nothing resent', async (_how, damage) => {
    const { campaign, journalPath } = await partlySent();
    await damage(journalPath);
    for (const args of [
      ['campaign', 'resume', campaign.file],
      ['campaign', 'status', campaign.file],
    ]) {
      const refused = await runCli(args);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${journalPath} is shorter`);
      expect(refused.stderr).toContain('Restore the journal from a backup');
    }
    expect(await readdir(campaign.outbox)).toHaveLength(4);
  });

  test('journal deleted while state.json exists: exit 1 naming it, nothing resent', async () => {
    const { campaign, journalPath } = await partlySent();
    await rm(journalPath);
    const refused = await runCli(['campaign', 'resume', campaign.file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${journalPath} is missing`);
    expect(await readdir(campaign.outbox)).toHaveLength(4);
  });

  test("another run's state.json (a different campaign id): exit 1, nothing sent", async () => {
    const { campaign, stateFile } = await partlySent();
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as Record<string, unknown>;
    await writeFile(stateFile, JSON.stringify({ ...state, campaignId: 'someone-else' }));
    const refused = await runCli(['campaign', 'resume', campaign.file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('belongs to another campaign run');
    expect(await readdir(campaign.outbox)).toHaveLength(4);
  });
});

describe('journal lines are strictly validated', () => {
  test.each([
    ['an unknown event name', '{"ev":"sEnt","to":"r6@example.com","at":1,"reply":"250"}'],
    ['a NUL byte', '{"ev":"sent","to":"r6@exa\u0000mple.com","at":1,"reply":"250"}'],
    ['a missing field', '{"ev":"sent","to":"r6@example.com","reply":"250"}'],
  ])('a line with %s in the middle: exit 2 naming the line, nothing sent', async (_what, line) => {
    const { campaign, journalPath } = await partlySent();
    const lines = (await readFile(journalPath, 'utf8')).split('\n');
    lines.splice(3, 0, line);
    await writeFile(journalPath, lines.join('\n'));
    const refused = await runCli(['campaign', 'resume', campaign.file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${journalPath}:4:`);
    expect(refused.stderr).not.toContain('move the state folder away');
    expect(await readdir(campaign.outbox)).toHaveLength(4);
  });

  test('a line edited in place (same length) in a finished campaign: send, resume, status and report all refuse it alike', async () => {
    const campaign = await writeCampaign({ csv: recipientsCsv(3) });
    expect((await runCli(['campaign', 'send', campaign.file])).code).toBe(0);
    expect((await runInProcess(['campaign', 'status', campaign.file])).code).toBe(0); // leaves a status snapshot too
    const journalPath = journalFile(campaign.stateDir);
    const text = await readFile(journalPath, 'utf8');
    const lineNumber = text.split('\n').findIndex((line) => line.startsWith('{"ev":"sent","to":"r1@')) + 1;
    await writeFile(journalPath, text.replace('{"ev":"sent","to":"r1@', '{"ev":"sEnt","to":"r1@'));
    for (const args of [['campaign', 'send'], ['campaign', 'resume'], ['campaign', 'status'], ['report']]) {
      const refused = await runCli([...args, campaign.file]);
      expect({ args, code: refused.code }).toEqual({ args, code: 2 });
      expect(refused.stderr).toContain(`${journalPath}:${lineNumber}: not a journal event`);
    }
    expect(await readdir(campaign.outbox)).toHaveLength(3);
  });

  test('a damaged last line ending in a newline is cut off before appending: later runs and reports read a clean journal', async () => {
    const { campaign, journalPath } = await partlySent();
    await appendFile(journalPath, 'garbage that is not JSON\n');
    const resumed = await runCli(['campaign', 'resume', campaign.file]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('the last line is not a valid journal event');
    expect(await readFile(journalPath, 'utf8')).not.toContain('garbage');
    await reportJson(campaign.file);
    expect(await readdir(campaign.outbox)).toHaveLength(count);
  });
});
