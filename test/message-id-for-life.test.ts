/** A message keeps the Message-ID of its first attempt, whatever changed in the campaign since. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { runCli, writeCampaign } from './helpers/cli.js';
import { addAccount, fileSecretsEnv, smtpServersPerTest } from './helpers/smtp.js';
import { journalLines } from './helpers/journal.js';
import { runInProcess } from './helpers/in-process.js';
import { messageIdFor } from '../src/campaign/compose.js';
import type { CampaignState } from '../src/store/state.js';

describe('Message-ID for life', () => {
  const newSmtpServer = smtpServersPerTest();

  test('From changed with a recipient in doubt: the resend has the first Message-ID, and resume warns', async () => {
    const smtp = await newSmtpServer();
    let lost = false;
    smtp.setReply((stage, session) => {
      if (stage !== 'data' || lost || !session.to.includes('ann@example.com')) return undefined;
      lost = true;
      return 'store-then-drop'; // the server has it; the reply is lost: ann is in doubt
    });
    const env = await fileSecretsEnv();
    await addAccount(env, 'relay', smtp, { args: ['--max-concurrent', '1'] });
    const campaign = await writeCampaign({ markdown: 'Hello {{ name }}\n', fields: { via: 'relay' } });
    expect((await runCli(['campaign', 'send', campaign.file], { env })).code).toBe(75);
    expect(smtp.received.map((message) => message.to[0]).sort()).toEqual(['ann@example.com', 'bob@example.com']);
    const [first] = smtp.received.filter((message) => message.to[0] === 'ann@example.com');

    const yaml = await readFile(campaign.file, 'utf8');
    await writeFile(campaign.file, yaml.replace('sender@example.com', 'news@example.org').replace('Hello {{ name }}', 'Hi {{ name }}'));
    const resumed = await runCli(['campaign', 'resume', campaign.file], { env });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(
      'the From address and subject changed since this campaign started: the 1 recipient(s) already done got the earlier version',
    );
    const ann = smtp.received.filter((message) => message.to[0] === 'ann@example.com');
    expect(ann).toHaveLength(2);
    expect(ann[1].messageId).toBe(first.messageId);
    const resent = await simpleParser(ann[1].raw);
    expect(resent.from?.value[0].address).toBe('news@example.org');
    expect(resent.subject).toBe('Hi Ann');

    // the attempt lines do not repeat the Message-ID: state.json records what it is made of
    const attempts = (await journalLines(campaign.stateDir)).filter((event) => event.ev === 'attempt');
    expect(attempts.filter((event) => event.to === 'ann@example.com')).toHaveLength(2);
    expect(attempts.every((event) => event.mid === undefined)).toBe(true);
    const state = JSON.parse(await readFile(path.join(campaign.stateDir, 'state.json'), 'utf8')) as CampaignState;
    expect(messageIdFor(state.campaignId, 'ann@example.com', state.started!.from)).toBe(first.messageId);
    const statusResult = await runInProcess(['campaign', 'status', campaign.file], { env });
    expect(statusResult.code).toBe(0);
  });
});
