/** "Done" is not final for rows added afterwards; with nothing to do, a run says so (and emits start + end with --json). */
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { runCli, writeCampaign } from './helpers/cli.js';
import { addAccount, fileSecretsEnv, smtpServersPerTest } from './helpers/smtp.js';
import { runInProcess } from './helpers/in-process.js';

const jsonLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('a done campaign whose list gained rows', () => {
  const newSmtpServer = smtpServersPerTest();

  test.each([false, true])('the added rows are sent, each with its own values, and validate agrees (--json: %s)', async (json) => {
    const smtp = await newSmtpServer();
    const env = await fileSecretsEnv();
    await addAccount(env, 'relay', smtp);
    const campaign = await writeCampaign({ markdown: 'Hello {{ name }}\n', fields: { via: 'relay' } });
    expect((await runCli(['campaign', 'send', campaign.file], { env })).code).toBe(0);
    await appendFile(path.join(campaign.dir, 'recipients.csv'), 'cat@example.com,Cat\ndan@example.com,Dan\n');

    const validated = await runInProcess(['campaign', 'validate', campaign.file], { env });
    expect(validated.stdout).toContain('2 recipient(s) to send (2 already done)');

    const flags = json ? ['--json'] : [];
    const resumed = await runCli(['campaign', 'resume', campaign.file, ...flags], { env });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('2 recipient(s) added to recipients.csv since this campaign was done; sending them');
    if (json) expect(jsonLines(resumed.stdout)[0]).toMatchObject({ type: 'start', to_send: 2, already_done: 2 });
    const byRecipient = new Map<string, string[]>();
    for (const message of smtp.received) {
      const text = (await simpleParser(message.raw)).text ?? '';
      byRecipient.set(message.to[0], [...(byRecipient.get(message.to[0]) ?? []), text.trim()]);
    }
    expect(Object.fromEntries(byRecipient)).toEqual({
      'ann@example.com': ['Hello Ann'],
      'bob@example.com': ['Hello Bob'],
      'cat@example.com': ['Hello Cat'],
      'dan@example.com': ['Hello Dan'],
    });

    const again = await runCli(['campaign', 'send', campaign.file, ...flags], { env });
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('mailshot: this campaign is already complete; nothing to send\n');
    if (json) {
      expect(jsonLines(again.stdout).filter((event) => event.type !== 'progress')).toEqual([
        expect.objectContaining({ type: 'start', to_send: 0, already_done: 4 }),
        expect.objectContaining({ type: 'end', status: 'done' }),
      ]);
    }
    expect((await runInProcess(['campaign', 'validate', campaign.file], { env })).stdout).toContain(
      '0 recipient(s) to send (4 already done)',
    );
    expect(smtp.received).toHaveLength(4);
  });
});
