import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { collect, recipientsCsv, runCli, tempDir, writeCampaign } from './helpers/cli.js';
import { addAccount, fileSecretsEnv, receivedCounts, smtpServersPerTest } from './helpers/smtp.js';
import { runInProcess } from './helpers/in-process.js';

const startServer = smtpServersPerTest();

describe('campaign cron', () => {
  test('the printed line, run as cron runs it (env -i, sh -c, another folder), reaches the account and logs with times', async () => {
    const server = await startServer({ auth: { user: 'me', pass: 'pw-7731' } });
    const env = await fileSecretsEnv();
    await addAccount(env, 'work', server, { user: 'me', password: 'pw-7731' });
    const campaign = await writeCampaign({ csv: recipientsCsv(4), fields: { via: 'work' } });
    expect((await runCli(['campaign', 'send', campaign.file, '--limit', '1'], { env })).code).toBe(75);
    const printed = await runInProcess(['campaign', 'cron', campaign.file, '--every', '15'], { env });
    expect(printed.code).toBe(0);
    const line = printed.stdout.trim();
    expect(line).toMatch(/^\*\/15 \* \* \* \* /);
    expect(line).toContain(`MAILSHOT_CONFIG_DIR='${env.MAILSHOT_CONFIG_DIR}'`);
    expect(line).toContain("MAILSHOT_SECRET_STORE='file'");
    expect(line).toContain(`PATH='${path.dirname(process.execPath)}:`);

    const command = line.replace(/^(\S+\s+){5}/, '');
    // Not spawnSync: the SMTP server runs in this process and must answer meanwhile.
    const cron = await collect(spawn('env', ['-i', '/bin/sh', '-c', command], { cwd: await tempDir() }));
    const log = await readFile(path.join(campaign.stateDir, 'cron.log'), 'utf8');
    expect({ code: cron.code, log }).toMatchObject({ code: 0 });
    expect([...receivedCounts(server).values()]).toEqual([1, 1, 1, 1]);
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z mailshot: done: sent 3/m);
    for (const logLine of log.trim().split('\n')) expect(logLine).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  test('refuses an interval cron cannot keep, offering the nearest ones', async () => {
    const campaign = await writeCampaign();
    await runCli(['campaign', 'send', campaign.file]);
    const odd = await runInProcess(['campaign', 'cron', campaign.file, '--every', '90']);
    expect(odd.code).toBe(2);
    expect(odd.stderr).toContain('--every 90: cron cannot repeat that evenly');
    expect(odd.stderr).toContain('use --every 60 or --every 120');
    expect(odd.stdout).toBe('');
    expect((await runInProcess(['campaign', 'cron', campaign.file, '--every', '120'])).stdout).toMatch(/^0 \*\/2 \* \* \* /);
  });

  test('refuses a campaign that was never started', async () => {
    const campaign = await writeCampaign();
    const cron = await runInProcess(['campaign', 'cron', campaign.file]);
    expect(cron.code).toBe(2);
    expect(cron.stderr).toContain('has not been started');
    expect(cron.stderr).toContain('mailshot campaign send');
    expect(cron.stdout).toBe('');
  });
});

describe('campaign cron with a proxy URL holding a password', () => {
  test('the line carries no password: it reads an owner-only cron.env, and still runs under env -i sh -c', async () => {
    const server = await startServer({ auth: { user: 'me', pass: 'pw-7731' } });
    const proxyPassword = 'pr0xy-s3cret-4417';
    const proxy = `http://proxyuser:${proxyPassword}@127.0.0.1:9`;
    const env = { ...(await fileSecretsEnv()), HTTPS_PROXY: proxy, NO_PROXY: '127.0.0.1' };
    const added = await addAccount(env, 'work', server, { user: 'me', password: 'pw-7731' });
    expect(added.stderr).toContain('HTTPS_PROXY holds a password');
    const campaign = await writeCampaign({ csv: recipientsCsv(3), fields: { via: 'work' } });
    expect((await runCli(['campaign', 'send', campaign.file, '--limit', '1'], { env })).code).toBe(75);
    const printed = await runInProcess(['campaign', 'cron', campaign.file, '--every', '15', '--bounces', 'work'], { env });
    expect(printed.code).toBe(0);
    expect(printed.stdout).not.toContain(proxyPassword);
    expect(printed.stdout).not.toContain('HTTPS_PROXY=');
    const envFile = path.join(env.MAILSHOT_CONFIG_DIR, 'cron.env');
    expect(
      printed.stdout
        .split('\n')
        .filter(Boolean)
        .every((line) => line.includes(`. '${envFile}' && `)),
    ).toBe(true);
    expect(printed.stderr.match(/HTTPS_PROXY holds a password/g)).toHaveLength(1);
    expect(printed.stderr).toContain(envFile);
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(envFile, 'utf8')).toBe(`export HTTPS_PROXY='${proxy}'\n`);

    // The line as cron runs it reaches the account, and the shell it runs in has the proxy from the file.
    const line = printed.stdout.split('\n')[0]!;
    const command = line.replace(/^(\S+\s+){5}/, '');
    const cron = await collect(spawn('env', ['-i', '/bin/sh', '-c', command], { cwd: await tempDir() }));
    expect(cron.code).toBe(0);
    expect([...receivedCounts(server).values()]).toEqual([1, 1, 1]);
    const probe = command.replace(/&& PATH=.*$/, '&& printf %s "$HTTPS_PROXY"');
    expect((await collect(spawn('env', ['-i', '/bin/sh', '-c', probe]))).stdout).toBe(proxy);
  });
});
