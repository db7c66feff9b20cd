/**
 * The config folder (accounts, secrets, usage logs) and a campaign's state folder are trusted only when
 * they are the user's alone. First the checks any user can meet on their own files (a folder left
 * world-writable, a symbolic link in place of a file); then the attacks of another local user, run as a
 * real second user (created with useradd) when the tests run as root — as they do in CI. Elsewhere those
 * are skipped with a notice.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, tempDir, writeCampaign } from './helpers/cli.js';
import { addAccount, fileSecretsEnv, smtpServersPerTest } from './helpers/smtp.js';
import { journalFile } from './helpers/journal.js';

const start = smtpServersPerTest();
const password = 'Correct-Horse-Battery-Staple';
const stackTrace = /unexpected error|\n\s+at /;

describe("the user's own folders, left open", () => {
  test('a world-writable config folder: accounts list exits 1 naming the folder and `chmod 700`', async () => {
    const env = await fileSecretsEnv();
    await chmod(env.MAILSHOT_CONFIG_DIR, 0o777);
    const result = await runCli(['accounts', 'list'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`chmod 700 '${env.MAILSHOT_CONFIG_DIR}'`);
    expect(result.stderr).not.toMatch(stackTrace);
  });

  test('a config folder reached through a link of yours is checked where it leads', async () => {
    const place = await tempDir();
    await mkdir(path.join(place, 'real'), { mode: 0o700 });
    await symlink(path.join(place, 'real'), path.join(place, 'config'));
    const env = { MAILSHOT_CONFIG_DIR: path.join(place, 'config') };
    expect((await runCli(['accounts', 'list'], { env })).code).toBe(0);
    await chmod(path.join(place, 'real'), 0o777);
    const refused = await runCli(['accounts', 'list'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`chmod 700 '${path.join(place, 'config')}'`);
  });

  test('a group-writable accounts.json: refused with `chmod 600`', async () => {
    const server = await start();
    const env = await fileSecretsEnv();
    await addAccount(env, 'work', server);
    await chmod(path.join(env.MAILSHOT_CONFIG_DIR, 'accounts.json'), 0o660);
    const result = await runCli(['accounts', 'test', 'work'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`chmod 600 '${path.join(env.MAILSHOT_CONFIG_DIR, 'accounts.json')}'`);
    expect(server.connectionsOpened).toBe(0);
  });

  test('secrets.json as a symbolic link: the password is not written through it', async () => {
    const env = await fileSecretsEnv();
    const elsewhere = path.join(await tempDir(), 'elsewhere.json');
    await writeFile(elsewhere, '{}\n', { mode: 0o600 });
    await symlink(elsewhere, path.join(env.MAILSHOT_CONFIG_DIR, 'secrets.json'));
    const result = await runCli(['accounts', 'add', 'smtp', 'work', '--host', '127.0.0.1', '--user', 'me', '--password-stdin'], {
      env,
      input: password,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${path.join(env.MAILSHOT_CONFIG_DIR, 'secrets.json')} is a symbolic link`);
    expect(await readFile(elsewhere, 'utf8')).toBe('{}\n');
  });

  test('a world-writable state folder: send exits 1 naming it; nothing is sent', async () => {
    const campaign = await writeCampaign();
    await mkdir(campaign.stateDir, { recursive: true, mode: 0o700 });
    await chmod(campaign.stateDir, 0o777);
    const result = await runCli(['campaign', 'send', campaign.file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`chmod 700 '${campaign.stateDir}'`);
    expect(await readdir(campaign.stateDir)).toEqual([]);
  });

  test('journal.jsonl as a symbolic link: resume refuses it; the file it points to is untouched', async () => {
    const campaign = await writeCampaign();
    expect((await runCli(['campaign', 'send', campaign.file, '--limit', '1'])).code).toBe(75);
    const journal = journalFile(campaign.stateDir);
    const elsewhere = path.join(await tempDir(), 'journal.jsonl');
    const lines = await readFile(journal, 'utf8');
    await writeFile(elsewhere, lines);
    execFileSync('ln', ['-sf', elsewhere, journal]);
    const result = await runCli(['campaign', 'resume', campaign.file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${journal} is a symbolic link`);
    expect(await readFile(elsewhere, 'utf8')).toBe(lines);
  });
});

/** A second local user for the attacker's steps; undefined where the tests do not run as root. */
function otherUser(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const name = 'mailshot-other';
  if (spawnSync('id', ['-u', name]).status !== 0)
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
  return name;
}

const attacker = otherUser();
if (!attacker) console.warn('owner-only.test.ts: not running as root, so the attacks of a second local user are skipped (CI runs them)');
const asOtherUser = attacker ? describe : describe.skip;

/** Runs a shell script as the other user; fails the test when it fails. */
function asAttacker(script: string): void {
  const result = spawnSync('runuser', ['-u', attacker!, '--', 'sh', '-ec', script], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the other user's steps failed: ${result.stderr}`);
}

/** A folder both users can reach, with a private folder of the attacker's inside. */
async function sharedPlace(): Promise<{ root: string; hers: string }> {
  const root = await tempDir('mailshot-two-users-');
  await chmod(root, 0o1777); // like /tmp
  const hers = path.join(root, 'hers');
  await mkdir(hers);
  execFileSync('chown', [attacker!, hers]);
  return { root, hers };
}

asOtherUser('another local user', () => {
  test('plants secrets.json as a link to her file in a world-writable config folder: refused, she gets nothing', async () => {
    const { root, hers } = await sharedPlace();
    const config = path.join(root, 'config');
    await mkdir(config);
    await chmod(config, 0o777);
    asAttacker(`echo '{}' > ${hers}/loot.json; chmod 600 ${hers}/loot.json; ln -s ${hers}/loot.json ${config}/secrets.json`);
    const env = { MAILSHOT_CONFIG_DIR: config, MAILSHOT_SECRET_STORE: 'file' };
    const result = await runCli(['accounts', 'add', 'smtp', 'work', '--host', '127.0.0.1', '--user', 'me', '--password-stdin'], {
      env,
      input: password,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`chmod 700 '${config}'`);
    expect(await readFile(path.join(hers, 'loot.json'), 'utf8')).toBe('{}\n');
    expect(spawnSync('grep', ['-r', password, root]).status).toBe(1); // the password is nowhere
  });

  test('the same link left behind after the folder was closed again: refused as her file', async () => {
    const { root, hers } = await sharedPlace();
    const config = path.join(root, 'config');
    await mkdir(config);
    await chmod(config, 0o777);
    asAttacker(`echo '{}' > ${hers}/loot.json; ln -s ${hers}/loot.json ${config}/secrets.json`);
    await chmod(config, 0o700);
    const env = { MAILSHOT_CONFIG_DIR: config, MAILSHOT_SECRET_STORE: 'file' };
    const result = await runCli(['accounts', 'add', 'smtp', 'work', '--host', '127.0.0.1', '--user', 'me', '--password-stdin'], {
      env,
      input: password,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${config}/secrets.json is a symbolic link`);
    expect(spawnSync('grep', ['-r', password, root]).status).toBe(1);
  });

  test('replaces accounts.json in a world-writable folder with her server and no TLS: accounts test sends her nothing', async () => {
    const mine = await start({ auth: { user: 'me', pass: password } });
    const her = await start();
    const { root } = await sharedPlace();
    const config = path.join(root, 'config');
    const env = { MAILSHOT_CONFIG_DIR: config, MAILSHOT_SECRET_STORE: 'file' };
    await addAccount(env, 'work', mine, { security: 'none', user: 'me', password });
    await chmod(config, 0o777); // left open, e.g. by a careless backup restore
    const accounts = JSON.parse(await readFile(path.join(config, 'accounts.json'), 'utf8')) as {
      accounts: Record<string, { port: number }>;
    };
    accounts.accounts.work!.port = her.port;
    asAttacker(`printf '%s' '${JSON.stringify(accounts)}' > ${config}/forged.json; mv -f ${config}/forged.json ${config}/accounts.json`);
    const result = await runCli(['accounts', 'test', 'work'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`chmod 700 '${config}'`);
    expect(her.connectionsOpened).toBe(0);
  });

  test('owns the config folder itself: refused, naming its owner', async () => {
    const { root } = await sharedPlace();
    const config = path.join(root, 'config');
    asAttacker(`mkdir -m 700 ${config}; echo '{"accounts":{}}' > ${config}/accounts.json`);
    const result = await runCli(['accounts', 'list'], { env: { MAILSHOT_CONFIG_DIR: config } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`${config} \\(the config folder\\) belongs to another user \\(uid \\d+; you are uid 0\\)`));
  });

  test("pre-creates a campaign's state folder with a journal of hers: send refuses it and writes nothing there", async () => {
    const { root } = await sharedPlace();
    const campaign = await writeCampaign({ dir: path.join(root, 'campaign') });
    await chmod(campaign.dir, 0o777);
    asAttacker(
      `mkdir -p -m 700 ${campaign.stateDir}; echo '{"ev":"sent","to":"ann@example.com","at":1,"reply":"250"}' > ${campaign.stateDir}/journal.jsonl`,
    );
    const result = await runCli(['campaign', 'send', campaign.file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${campaign.stateDir} (the campaign state folder) belongs to another user`);
    expect(await readdir(campaign.stateDir)).toEqual(['journal.jsonl']);
  });

  test('links journal.jsonl in a world-writable state folder to her file: refused, her file unchanged', async () => {
    const { root, hers } = await sharedPlace();
    const campaign = await writeCampaign({ dir: path.join(root, 'campaign') });
    expect((await runCli(['campaign', 'send', campaign.file, '--limit', '1'])).code).toBe(75);
    await chmod(path.dirname(campaign.stateDir), 0o755);
    await chmod(campaign.stateDir, 0o777);
    asAttacker(`: > ${hers}/journal.jsonl; ln -sf ${hers}/journal.jsonl ${campaign.stateDir}/journal.jsonl`);
    const result = await runCli(['campaign', 'resume', campaign.file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`chmod 700 '${campaign.stateDir}'`);
    expect(await readFile(path.join(hers, 'journal.jsonl'), 'utf8')).toBe('');
  });
});
