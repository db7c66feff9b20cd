/**
 * I/O errors are errors: when the account's daily usage log cannot be written (a read-only or full config
 * folder), the run stops with exit 1 naming the file; nobody is passed over as "interrupted" and nothing
 * is sent uncounted. Once the log can be written, resume completes.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { recipientsCsv, runCli, writeCampaign } from './helpers/cli.js';
import { addAccount, fileSecretsEnv, smtpServersPerTest } from './helpers/smtp.js';

const startServer = smtpServersPerTest();

test('the usage log cannot be written: exit 1 naming it, nothing sent; after the fix, resume sends everyone once', async () => {
  const server = await startServer();
  const env = await fileSecretsEnv();
  await addAccount(env, 'counted', server);
  const campaign = await writeCampaign({ csv: recipientsCsv(5) });
  // The account's usage folder is a file: nothing can be written in it, for root too (a read-only or full disk fails the same way).
  const log = path.join(env.MAILSHOT_CONFIG_DIR, 'usage', 'counted');
  await mkdir(path.dirname(log), { recursive: true });
  await writeFile(log, '');

  const sent = await runCli(['campaign', 'send', campaign.file, '--via', 'counted'], { env });
  expect(sent.code).toBe(1);
  expect(sent.stderr).toContain(`cannot write the account's daily usage log ${log}`);
  expect(sent.stderr).not.toMatch(/interrupted|--limit undefined|unexpected error|\n\s+at /);
  expect(server.received).toHaveLength(0);
  const status = JSON.parse((await runCli(['campaign', 'status', campaign.file, '--json'], { env })).stdout) as {
    status: string;
    totals: Record<string, number>;
  };
  expect(status.status).toBe('stopped');
  expect(status.totals).toMatchObject({ sent: 0, skipped: 0, in_doubt: 0, pending: 5 });

  await rm(log);
  const resumed = await runCli(['campaign', 'resume', campaign.file], { env });
  expect(resumed.code).toBe(0);
  expect(server.received.map((message) => message.to[0]).sort()).toEqual(
    Array.from({ length: 5 }, (_, index) => `r${index}@example.com`).sort(),
  );
});
