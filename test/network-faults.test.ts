/**
 * A flaky server: the real SMTP test server (test/servers/smtp.ts) drops 2% of its transactions' connections
 * in the middle of DATA and answers 10% of them with one of 421/450/451/452/454/550/554, worded as real servers
 * word them (none with "try again later"-style text, which would be throttling: test/throttle-smtp.test.ts).
 * Which attempt of which recipient meets which fault is drawn from a seed, so a run is the same whatever the
 * timing. The campaign must end with every recipient either accepted exactly once or failed with the
 * server's own 5xx reply: nobody lost, nobody silently dropped, nobody sent twice. And the server never sees
 * a recipient more often than the journal has attempts for it: nodemailer re-queues nothing by itself.
 *
 * Replay a failure with MAILSHOT_TEST_SEED=<the seed in the test's name>.
 */
import { recipientsCsv, runCli, writeCampaign } from './helpers/cli.js';
import { between, seededRandom, testSeed } from './helpers/random.js';
import { addAccount, fileSecretsEnv, receivedCounts, smtpServersPerTest } from './helpers/smtp.js';
import type { InjectedReply, ReplyStage, SessionInfo } from './servers/smtp.js';
import { journalLines } from './helpers/journal.js';
import { reportJson } from './helpers/report.js';

const recipients = 400;
const seed = testSeed(4242);
const faults = [
  { code: 421, message: '4.3.2 Service not available, closing transmission channel' },
  { code: 450, message: '4.2.0 Mailbox temporarily unavailable' },
  { code: 451, message: '4.3.0 Temporary local problem' },
  { code: 452, message: '4.3.1 Insufficient system storage' },
  { code: 454, message: '4.7.0 Temporary authentication failure' },
  { code: 550, message: '5.1.1 User unknown in virtual mailbox table' },
  { code: 554, message: '5.7.1 Message rejected as spam' },
] as const;

type Fault = { stage: ReplyStage; reply: Exclude<InjectedReply, undefined | 'store-then-drop'> } | undefined;

/** The fault the `attempt`-th transaction for recipient number `index` meets: the same on every run of a seed. */
function faultFor(index: number, attempt: number): Fault {
  const random = seededRandom(seed * 7919 + index * 131 + attempt);
  const draw = random();
  if (draw < 0.02) return { stage: 'data', reply: 'drop' };
  if (draw < 0.12) return { stage: random() < 0.5 ? 'rcpt' : 'data', reply: faults[between(random, 0, faults.length - 1)] };
  return undefined;
}

/** The reply hook, and what it did: transactions per recipient, the 5xx each recipient got, faults by kind. */
function flakyServer() {
  const transactions = new Map<string, number>();
  const refused = new Map<string, string>();
  const injected = new Map<string, number>();
  const planned = new Map<string, Fault>(); // per transaction: session id + its number on the session
  const hook = (stage: ReplyStage, session: SessionInfo, recipient?: string): InjectedReply => {
    const transaction = `${session.id}/${session.transaction}`;
    const to = recipient ?? session.to[0];
    if (stage === 'rcpt') {
      const attempt = (transactions.get(to) ?? 0) + 1;
      transactions.set(to, attempt);
      planned.set(transaction, faultFor(Number(/^r(\d+)@/.exec(to)![1]), attempt));
    }
    const fault = planned.get(transaction);
    if (!fault || fault.stage !== stage) return undefined;
    const kind = fault.reply === 'drop' ? 'drop mid-DATA' : String(fault.reply.code);
    injected.set(kind, (injected.get(kind) ?? 0) + 1);
    if (fault.reply !== 'drop' && fault.reply.code >= 500) refused.set(to, `${fault.reply.code} ${fault.reply.message}`);
    return fault.reply;
  };
  return { hook, transactions, refused, injected };
}

interface ReportJson {
  status: string;
  totals: { sent: number; failed: number; pending: number; in_doubt: number; deferred: number };
  recipients: { recipient: string; status: string; code?: string; detail?: string }[];
}

describe('a server that drops connections and answers with errors', () => {
  const startServer = smtpServersPerTest();

  test(`${recipients} recipients (seed ${seed}): each delivered exactly once or failed with the server's 5xx reason, none lost`, async () => {
    const started = Date.now();
    const flaky = flakyServer();
    const server = await startServer({ replies: flaky.hook });
    const env = await fileSecretsEnv();
    await addAccount(env, 'flaky', server, { args: ['--max-concurrent', '8'] });
    const campaign = await writeCampaign({ csv: recipientsCsv(recipients) });

    const runs = [await runCli(['campaign', 'send', campaign.file, '--via', 'flaky'], { env })];
    // A recipient that met temporary faults on all its attempts is deferred (exit 75) for a later resume.
    while (runs.at(-1)!.code === 75 && runs.length < 6) runs.push(await runCli(['campaign', 'resume', campaign.file], { env }));
    for (const run of runs) expect(run.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(runs.at(-1)!.code).toBe(0);

    const report = await reportJson<ReportJson>(campaign.file, [], { env });
    expect(report.status).toBe('done');
    expect(report.totals).toMatchObject({ pending: 0, in_doubt: 0, deferred: 0 });
    expect(report.totals.sent + report.totals.failed).toBe(recipients);

    const received = receivedCounts(server);
    const outcomes = new Map(report.recipients.map((outcome) => [outcome.recipient, outcome]));
    const wrong: string[] = [];
    for (let index = 0; index < recipients; index++) {
      const to = `r${index}@example.com`;
      const outcome = outcomes.get(to);
      const refusal = flaky.refused.get(to);
      const count = received.get(to) ?? 0;
      if (refusal === undefined) {
        if (count !== 1 || outcome?.status !== 'sent') wrong.push(`${to}: received ${count}, reported ${outcome?.status}`);
      } else if (
        count !== 0 ||
        outcome?.status !== 'failed' ||
        outcome.code !== refusal.split(' ', 2).join(' ') ||
        !outcome.detail?.includes(refusal)
      ) {
        wrong.push(`${to}: refused with "${refusal}", received ${count}, reported ${JSON.stringify(outcome)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(report.totals.failed).toBe(flaky.refused.size);

    // Every transaction the server saw for a recipient was an attempt the journal recorded first.
    const attempts = new Map<string, number>();
    for (const event of await journalLines(campaign.stateDir)) {
      if (event.ev === 'attempt') attempts.set(event.to!, (attempts.get(event.to!) ?? 0) + 1);
    }
    expect([...flaky.transactions].filter(([to, count]) => count > (attempts.get(to) ?? 0))).toEqual([]);

    // The faults did happen, of every kind.
    expect([...flaky.injected.keys()].sort()).toEqual(['421', '450', '451', '452', '454', '550', '554', 'drop mid-DATA']);
    process.stdout.write(
      `network faults (seed ${seed}): ${[...flaky.injected].map(([kind, count]) => `${kind} ×${count}`).join(', ')}; ` +
        `${report.totals.sent} sent, ${report.totals.failed} failed, ${runs.length} run(s), ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  }, 180_000);
});
