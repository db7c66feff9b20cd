/**
 * The recipient list as people edit it between runs and during one: whatever the edit, everyone in the
 * CSV gets exactly one message carrying their own row's values, and nobody outside it gets any.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { runCli, writeCampaign, type CampaignFixture } from './helpers/cli.js';
import { addAccount, fileSecretsEnv, smtpServersPerTest, type Env } from './helpers/smtp.js';
import { runInProcess } from './helpers/in-process.js';
import type { SmtpTestServer } from './servers/smtp.js';

const rows = ['ann', 'bob', 'cat', 'dan', 'eve'].map((name) => `${name}@example.com,${name.toUpperCase()} ${name}-code`);
const listOf = (lines: string[]) => `email,name\n${lines.join('\n')}\n`;

/** Each edit: the list after it. */
const edits: Record<string, (lines: string[]) => string[]> = {
  'a row inserted at the top': (lines) => ['zed@example.com,ZED zed-code', ...lines],
  'a row deleted': (lines) => lines.filter((line) => !line.startsWith('dan@')),
  'rows reordered': (lines) => [...lines].reverse(),
  'an address changed': (lines) => lines.map((line) => line.replace('cat@example.com', 'cay@example.com')),
  "a row's values changed": (lines) => lines.map((line) => line.replace('EVE eve-code', 'EVA eve-code')),
};

/** What resume and status say of each edit (nothing for a reordering: nobody's message changes). */
const told: Record<string, { added: number; removed: number; changed: number } | undefined> = {
  'a row inserted at the top': { added: 1, removed: 0, changed: 0 },
  'a row deleted': { added: 0, removed: 1, changed: 0 },
  'rows reordered': undefined,
  'an address changed': { added: 1, removed: 1, changed: 0 },
  "a row's values changed": { added: 0, removed: 0, changed: 1 },
};

/** What the server holds per recipient: the personalised value in each message it got, and its Message-ID. */
async function deliveries(smtp: SmtpTestServer): Promise<Map<string, { code: string; messageId?: string }[]>> {
  const byRecipient = new Map<string, { code: string; messageId?: string }[]>();
  for (const message of smtp.received) {
    const mail = await simpleParser(message.raw);
    const code = /\b([a-z]{3})-code\b/.exec(mail.text ?? '')?.[1] ?? '(none)';
    const list = byRecipient.get(message.to[0]) ?? [];
    list.push({ code, messageId: message.messageId });
    byRecipient.set(message.to[0], list);
  }
  return byRecipient;
}

/** Everyone in the final list got exactly one message with their own value; nobody else got any. */
async function expectEveryoneOnce(smtp: SmtpTestServer, finalList: string[]): Promise<void> {
  const expected = new Map(finalList.map((line) => [line.split(',')[0], /([a-z]{3})-code/.exec(line)![1]]));
  const got = await deliveries(smtp);
  const everyoneReached = new Set([...expected.keys(), ...got.keys()]);
  for (const address of everyoneReached) {
    const messages = got.get(address) ?? [];
    // Someone sent before the edit and still in the list keeps the one message they had.
    expect({ address, codes: messages.map((message) => message.code) }).toEqual({
      address,
      codes: [expected.get(address) ?? 'not in the list'],
    });
  }
  const ids = smtp.received.map((message) => message.messageId);
  expect(new Set(ids).size).toBe(ids.length);
}

async function campaignThrough(smtp: SmtpTestServer): Promise<{ campaign: CampaignFixture; env: Env; list: string }> {
  const env = await fileSecretsEnv();
  await addAccount(env, 'relay', smtp, { args: ['--max-concurrent', '1'] });
  const campaign = await writeCampaign({ csv: listOf(rows), markdown: 'Hello {{ name }}\n', fields: { via: 'relay' } });
  return { campaign, env, list: path.join(campaign.dir, 'recipients.csv') };
}

async function resume(campaign: CampaignFixture, env: Env) {
  const result = await runCli(['campaign', 'resume', campaign.file], { env });
  expect(result.stderr).not.toMatch(/unexpected error|^ {4}at /m);
  return result;
}

describe('the list edited between runs and during one', () => {
  const newSmtpServer = smtpServersPerTest();

  describe.each(Object.entries(edits))('%s', (what, edit) => {
    test('while the campaign is paused; resume and status say what changed in the list', async () => {
      const smtp = await newSmtpServer();
      const { campaign, env, list } = await campaignThrough(smtp);
      expect((await runCli(['campaign', 'send', campaign.file, '--limit', '2'], { env })).code).toBe(75);
      await writeFile(list, listOf(edit(rows)));
      const status = JSON.parse((await runInProcess(['campaign', 'status', campaign.file, '--json'], { env })).stdout) as {
        list_changes?: unknown;
      };
      expect(status.list_changes).toEqual(told[what]);
      const resumed = await resume(campaign, env);
      expect(resumed.code).toBe(0);
      const change = told[what];
      if (change) {
        expect(resumed.stderr).toContain(
          `recipients.csv changed since this campaign started: ${change.added} recipient(s) added, ${change.removed} removed, ${change.changed} changed`,
        );
      } else expect(resumed.stderr).not.toContain('changed since this campaign started');
      // Who was sent before the edit and is no longer in the list is not taken back: count them as expected.
      const before = rows.slice(0, 2);
      await expectEveryoneOnce(smtp, [...new Set([...edit(rows), ...before])]);
    });

    test('while a run is sending (the file rewritten in place, or replaced by a new one)', async () => {
      for (const how of ['in place', 'replaced'] as const) {
        const smtp = await newSmtpServer();
        const { campaign, env, list } = await campaignThrough(smtp);
        let edited = false;
        smtp.setReply(async (stage) => {
          if (stage !== 'data' || edited) return undefined;
          edited = true;
          if (how === 'in place') await writeFile(list, listOf(edit(rows)));
          else {
            await writeFile(`${list}.new`, listOf(edit(rows)));
            await rename(`${list}.new`, list);
          }
          return undefined;
        });
        const first = await runCli(['campaign', 'send', campaign.file], { env });
        expect(first.stderr).not.toMatch(/unexpected error|^ {4}at /m);
        expect(first.code).toBe(75);
        expect(first.stderr).toMatch(/recipients\.csv changed during this run/);
        expect(await readFile(list, 'utf8')).toBe(listOf(edit(rows)));
        expect((await resume(campaign, env)).code).toBe(0);
        await expectEveryoneOnce(smtp, [...new Set([...edit(rows), rows[0]])]);
      }
    });
  });
});
