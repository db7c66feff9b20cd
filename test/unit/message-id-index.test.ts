import { appendFile, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IndexedCampaign } from '../../src/bounces/campaign-index.js';
import { recipientOfMessageId } from '../../src/bounces/message-id-index.js';
import { messageIdFor } from '../../src/campaign/compose.js';
import { tempDir } from '../helpers/cli.js';

async function campaignWith(lines: object[]): Promise<IndexedCampaign> {
  const stateDir = await tempDir('mailshot-mid-index-');
  await writeFile(path.join(stateDir, 'journal.jsonl'), lines.map((line) => JSON.stringify(line) + '\n').join(''), { mode: 0o600 });
  return { campaignId: 'c-1', campaignFile: path.join(stateDir, 'c.yaml'), stateDir, from: 'news@club.example' };
}

const attempt = (to: string, mid?: string) => ({ ev: 'attempt', to, at: 1, ...(mid ? { mid } : {}) });
const sent = (to: string) => ({ ev: 'sent', to, at: 2, reply: '250 ok' });

describe('the Message-ID index of a campaign', () => {
  test('finds the recipient of a recorded `mid` and of a derived Message-ID; case-insensitive; unknown ids match nothing', async () => {
    const campaign = await campaignWith([
      { ev: 'run', at: 0, what: 'start' },
      attempt('a@x.example', '<Fixed-1@club.example>'),
      sent('a@x.example'),
      attempt('b@x.example'),
      sent('b@x.example'),
    ]);
    expect(await recipientOfMessageId(campaign, '<fixed-1@CLUB.example>')).toBe('a@x.example');
    expect(await recipientOfMessageId(campaign, messageIdFor('c-1', 'b@x.example', campaign.from))).toBe('b@x.example');
    expect(await recipientOfMessageId(campaign, messageIdFor('c-2', 'b@x.example', campaign.from))).toBeUndefined();
    expect(await recipientOfMessageId(campaign, '<nothing@club.example>')).toBeUndefined();
  });

  test('grows with the journal: only the new lines are read, a cut-short last line waits for its end', async () => {
    const campaign = await campaignWith([attempt('a@x.example', '<a@club.example>')]);
    const journal = path.join(campaign.stateDir, 'journal.jsonl');
    const index = path.join(campaign.stateDir, 'message-ids.idx');
    expect(await recipientOfMessageId(campaign, '<a@club.example>')).toBe('a@x.example');
    expect((await stat(index)).size).toBe(32 + 16);
    expect((await stat(index)).mode & 0o777).toBe(0o600);
    await appendFile(journal, JSON.stringify(attempt('b@x.example', '<b@club.example>')) + '\n{"ev":"attempt","to":"c@x.exa');
    expect(await recipientOfMessageId(campaign, '<b@club.example>')).toBe('b@x.example');
    expect(await recipientOfMessageId(campaign, '<c@club.example>')).toBeUndefined();
    await appendFile(journal, 'mple","at":3,"mid":"<c@club.example>"}\n');
    expect(await recipientOfMessageId(campaign, '<c@club.example>')).toBe('c@x.example');
    expect(await recipientOfMessageId(campaign, '<a@club.example>')).toBe('a@x.example');
    expect((await stat(index)).size).toBe(32 + 3 * 16);
    await rm(index); // deleted: built again from the whole journal
    expect(await recipientOfMessageId(campaign, '<b@club.example>')).toBe('b@x.example');
    expect((await stat(index)).size).toBe(32 + 3 * 16);
  });

  test('a journal replaced by another file (a restore) is indexed again, so no stale offset points into it', async () => {
    const campaign = await campaignWith([attempt('a@x.example', '<a@club.example>')]);
    const journal = path.join(campaign.stateDir, 'journal.jsonl');
    expect(await recipientOfMessageId(campaign, '<a@club.example>')).toBe('a@x.example');
    const replacement = `${journal}.new`;
    await writeFile(replacement, JSON.stringify(attempt('zz@x.example', '<z@club.example>')) + '\n' + (await readFile(journal, 'utf8')), {
      mode: 0o600,
    });
    await rename(replacement, journal);
    expect(await recipientOfMessageId(campaign, '<a@club.example>')).toBe('a@x.example');
    expect(await recipientOfMessageId(campaign, '<z@club.example>')).toBe('zz@x.example');
  });

  test('a campaign whose state folder is gone matches nothing', async () => {
    const campaign = await campaignWith([]);
    expect(await recipientOfMessageId({ ...campaign, stateDir: path.join(campaign.stateDir, 'gone') }, '<a@b>')).toBeUndefined();
  });
});
