/**
 * In doubt means in doubt: a message whose connection is lost after the body was handed over (the server
 * stored it, its 250 never arrived) is not retried in the same run; it is reported, and the next run resends
 * it with the same Message-ID (or skips it with --in-doubt skip). A recipient waiting to retry after a
 * refusal is not in doubt: a crash during the wait leaves it deferred, and --in-doubt skip still sends it.
 */
import { collect, recipientsCsv, runCli, startCli, writeCampaign } from './helpers/cli.js';
import { journalLines, journalShows } from './helpers/journal.js';
import { addAccount, fileSecretsEnv, receivedCounts, smtpServersPerTest } from './helpers/smtp.js';
import { reportJson } from './helpers/report.js';
import { runInProcess } from './helpers/in-process.js';
import type { InjectedReply, ReplyStage, SessionInfo } from './servers/smtp.js';

const startServer = smtpServersPerTest();

function onceFor(target: string, stage: ReplyStage, reply: InjectedReply, times = 1) {
  let left = times;
  return (at: ReplyStage, session: SessionInfo, rcpt?: string): InjectedReply => {
    const to = at === 'rcpt' ? rcpt : session.to[0];
    if (at !== stage || to !== target || left <= 0) return undefined;
    left--;
    return reply;
  };
}

async function attempts(stateDir: string, to: string): Promise<string[]> {
  return (await journalLines(stateDir)).filter((event) => event.to === to).map((event) => event.ev);
}

/** Waits until the journal's recipient events satisfy `check` (read again every few milliseconds). */
async function statusJson(file: string, env: Record<string, string | undefined>) {
  return JSON.parse((await runInProcess(['campaign', 'status', file, '--json'], { env })).stdout) as {
    status: string;
    totals: Record<string, number>;
  };
}

describe('a reply lost after the message was handed over', () => {
  test('stored by the server, then the connection cut: not retried in the run, reported in doubt; resume resends it with the same Message-ID', async () => {
    const server = await startServer({ replies: onceFor('r2@example.com', 'data', 'store-then-drop') });
    const env = await fileSecretsEnv();
    await addAccount(env, 'lossy', server);
    const campaign = await writeCampaign({ csv: recipientsCsv(5) });

    const sent = await runCli(['campaign', 'send', campaign.file, '--via', 'lossy'], { env });
    expect(sent.code).toBe(75);
    expect(sent.stderr).toContain('1 recipient(s) in doubt: the connection was lost after the message was handed over');
    expect(sent.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(receivedCounts(server).get('r2@example.com')).toBe(1);
    expect(await attempts(campaign.stateDir, 'r2@example.com')).toEqual(['attempt']); // one attempt, not retried
    const status = await statusJson(campaign.file, env);
    expect(status.totals).toMatchObject({ sent: 4, in_doubt: 1 });
    const report = await reportJson<{
      recipients: { recipient: string; status: string }[];
    }>(campaign.file, [], { env });
    expect(report.recipients.filter((r) => r.status === 'in_doubt').map((r) => r.recipient)).toEqual(['r2@example.com']);

    const resumed = await runCli(['campaign', 'resume', campaign.file], { env });
    expect(resumed.code).toBe(0);
    const copies = server.received.filter((message) => message.to[0] === 'r2@example.com');
    expect(copies).toHaveLength(2);
    expect(copies[1]!.messageId).toBe(copies[0]!.messageId);
    expect((await statusJson(campaign.file, env)).totals).toMatchObject({ sent: 5, in_doubt: 0 });
  });

  test('--in-doubt skip: the recipient in doubt is not resent and is reported skipped', async () => {
    const server = await startServer({ replies: onceFor('r0@example.com', 'data', 'store-then-drop') });
    const env = await fileSecretsEnv();
    await addAccount(env, 'lossy', server);
    const campaign = await writeCampaign({ csv: recipientsCsv(3) });
    expect((await runCli(['campaign', 'send', campaign.file, '--via', 'lossy'], { env })).code).toBe(75);
    expect((await runCli(['campaign', 'resume', campaign.file, '--in-doubt', 'skip'], { env })).code).toBe(0);
    expect(receivedCounts(server).get('r0@example.com')).toBe(1);
    expect((await statusJson(campaign.file, env)).totals).toMatchObject({ sent: 2, skipped: 1, in_doubt: 0 });
  });
});

describe('waiting to retry is not in doubt', () => {
  test('killed while a refused recipient waits to retry: it is deferred, not in doubt, and --in-doubt skip still delivers it', async () => {
    const server = await startServer({
      replies: onceFor('r1@example.com', 'data', { code: 451, message: '4.3.0 Temporary local problem' }, 2),
    });
    const env = await fileSecretsEnv();
    await addAccount(env, 'busy', server, { args: ['--max-concurrent', '2'] });
    const campaign = await writeCampaign({ csv: recipientsCsv(4) });
    const sender = startCli(['campaign', 'send', campaign.file, '--via', 'busy'], { env });
    const exited = collect(sender);
    // The others are sent at once; r1 waits ~1 s, then ~2 s, between its attempts. The kill comes when the
    // journal (not the server, which stores a message before the sender hears its 250) has the others sent
    // and r1 refused twice: r1 is then in its ~2 s wait.
    await journalShows(campaign.stateDir, (events) => {
      const last = new Map(events.map((event) => [event.to, event.ev]));
      const r1Deferred = events.filter((event) => event.to === 'r1@example.com' && event.ev === 'deferred').length;
      return r1Deferred === 2 && ['r0', 'r2', 'r3'].every((name) => last.get(`${name}@example.com`) === 'sent');
    });
    sender.kill('SIGKILL');
    await exited;
    expect((await attempts(campaign.stateDir, 'r1@example.com')).at(-1)).toBe('deferred');
    const atKill = await statusJson(campaign.file, env);
    expect(atKill.totals.in_doubt).toBe(0);
    expect(atKill.status).toBe('interrupted');

    const resumed = await runCli(['campaign', 'resume', campaign.file, '--in-doubt', 'skip'], { env });
    expect(resumed.code).toBe(0);
    expect(receivedCounts(server).get('r1@example.com')).toBe(1);
  });
});
