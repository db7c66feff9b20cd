/**
 * A campaign folder copied with its `.mailshot/` (to reuse last month's newsletter) is not a continuation of
 * the original: the copy is refused until `campaign reset` sets the inherited state aside. A folder moved as
 * a whole (the original gone) keeps its state.
 */
import { cp, rename } from 'node:fs/promises';
import path from 'node:path';
import { recipientsCsv, runCli, tempDir, writeCampaign } from './helpers/cli.js';
import { addAccount, fileSecretsEnv, smtpServersPerTest } from './helpers/smtp.js';

describe('a copied campaign folder', () => {
  const newSmtpServer = smtpServersPerTest();

  async function setup() {
    const smtp = await newSmtpServer();
    const env = await fileSecretsEnv();
    await addAccount(env, 'relay', smtp);
    const campaign = await writeCampaign({ csv: recipientsCsv(3), fields: { via: 'relay' } });
    return { smtp, env, campaign };
  }

  test.each([
    ['finished', [] as string[], 0],
    ['half-sent', ['--limit', '1'], 75],
  ])(
    'a copy of a %s campaign is refused with the command that starts it afresh; after it, everyone gets the copy once',
    async (_, args, code) => {
      const { smtp, env, campaign } = await setup();
      expect((await runCli(['campaign', 'send', campaign.file, ...args], { env })).code).toBe(code);
      const sentBefore = smtp.received.length;
      const copyDir = path.join(await tempDir(), 'next-month');
      await cp(campaign.dir, copyDir, { recursive: true });
      const copy = path.join(copyDir, 'campaign.yaml');

      for (const verb of ['send', 'resume']) {
        const refused = await runCli(['campaign', verb, copy], { env });
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain(`holds the state of ${campaign.file}, which is still there`);
        expect(refused.stderr).toContain(`run \`mailshot campaign reset ${copy}\``);
        expect(refused.stderr).not.toMatch(/^ {4}at /m);
      }
      expect(smtp.received).toHaveLength(sentBefore);

      expect((await runCli(['campaign', 'reset', copy], { env })).code).toBe(0);
      expect((await runCli(['campaign', 'send', copy], { env })).code).toBe(0);
      const fromCopy = smtp.received.slice(sentBefore);
      expect(fromCopy.map((message) => message.to[0]).sort()).toEqual(['r0@example.com', 'r1@example.com', 'r2@example.com']);
      const earlierIds = new Set(smtp.received.slice(0, sentBefore).map((message) => message.messageId));
      expect(fromCopy.filter((message) => earlierIds.has(message.messageId))).toEqual([]);
      // The original is untouched by all this: it goes on where it was.
      const original = await runCli(['campaign', 'resume', campaign.file], { env });
      expect(original.code).toBe(0);
      expect(smtp.received.filter((message) => message.to[0] === 'r0@example.com')).toHaveLength(2);
    },
  );

  test('a folder moved as a whole keeps its state', async () => {
    const { smtp, env, campaign } = await setup();
    expect((await runCli(['campaign', 'send', campaign.file, '--limit', '1'], { env })).code).toBe(75);
    const moved = path.join(await tempDir(), 'moved');
    await rename(campaign.dir, moved);
    expect((await runCli(['campaign', 'resume', path.join(moved, 'campaign.yaml')], { env })).code).toBe(0);
    expect(smtp.received.map((message) => message.to[0]).sort()).toEqual(['r0@example.com', 'r1@example.com', 'r2@example.com']);
  });
});
