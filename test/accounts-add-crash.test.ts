/**
 * `accounts add` killed (SIGKILL) while it saves: whatever is left, `accounts remove NAME` clears it,
 * secret included. The two dangerous moments are hit exactly through the documented test seam
 * MAILSHOT_TEST_CRASH_ACCOUNT_ADD (the process kills itself there); then real kills from outside, at
 * each successive change the command makes to the config folder.
 */
import { watch } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { collect, runCli, startCli } from './helpers/cli.js';
import { fileSecretsEnv, type Env } from './helpers/smtp.js';

const password = 'Kill-Me-Softly-42';
const addArgs = ['accounts', 'add', 'smtp', 'work', '--host', '127.0.0.1', '--port', '2525', '--user', 'me', '--password-stdin'];

/** Every file under the config folder that holds the password. */
async function filesWithPassword(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if ((await readFile(file, 'utf8')).includes(password)) found.push(file);
  }
  return found;
}

async function record(env: Env & { MAILSHOT_CONFIG_DIR: string }): Promise<{ secret: string } | undefined> {
  try {
    return (
      JSON.parse(await readFile(path.join(env.MAILSHOT_CONFIG_DIR, 'accounts.json'), 'utf8')) as {
        accounts: Record<string, { secret: string }>;
      }
    ).accounts.work;
  } catch {
    return undefined;
  }
}

describe('accounts add killed while saving', () => {
  test.each([
    ['record', []],
    ['secret', ['secrets.json']],
  ])(
    'after the %s is written: a pending account that cannot send, and `accounts remove` deletes it and its secret',
    async (step, holding) => {
      const env = { ...(await fileSecretsEnv()), MAILSHOT_TEST_CRASH_ACCOUNT_ADD: step };
      const killed = await runCli(addArgs, { env, input: password });
      expect(killed.signal).toBe('SIGKILL');
      expect(await record(env)).toMatchObject({ secret: 'pending' });
      expect((await filesWithPassword(env.MAILSHOT_CONFIG_DIR)).map((file) => path.basename(file))).toEqual(holding);

      const after = { ...env, MAILSHOT_TEST_CRASH_ACCOUNT_ADD: undefined };
      expect((await runCli(['accounts', 'list'], { env: after })).stdout).toContain('secret: pending');
      const test = await runCli(['accounts', 'test', 'work'], { env: after });
      expect(test.code).toBe(1);
      expect(test.stderr).toContain(
        'account "work" was not completely added (`mailshot accounts add` was interrupted); run `mailshot accounts remove work`, then add it again',
      );

      const removed = await runCli(['accounts', 'remove', 'work'], { env: after });
      expect(removed.code).toBe(0);
      expect(await record(env)).toBeUndefined();
      expect(await filesWithPassword(env.MAILSHOT_CONFIG_DIR)).toEqual([]);
      expect((await runCli(addArgs, { env: after, input: password })).code).toBe(0); // the name is free again
    },
  );

  test('killed while secrets.json was being replaced: the temporary copy holding the password goes too', async () => {
    const env = { ...(await fileSecretsEnv()), MAILSHOT_TEST_CRASH_ACCOUNT_ADD: 'record' };
    expect((await runCli(addArgs, { env, input: password })).signal).toBe('SIGKILL');
    // what write-file-atomic leaves when killed between writing its temporary file and renaming it
    await writeFile(path.join(env.MAILSHOT_CONFIG_DIR, 'secrets.json.1f2e3d4c'), JSON.stringify({ work: password }), { mode: 0o600 });
    expect((await runCli(['accounts', 'remove', 'work'], { env: { ...env, MAILSHOT_TEST_CRASH_ACCOUNT_ADD: undefined } })).code).toBe(0);
    expect(await filesWithPassword(env.MAILSHOT_CONFIG_DIR)).toEqual([]);
  });

  test('killed from outside at its 1st, 2nd … 12th change to the config folder: never a secret that `accounts remove` cannot delete', async () => {
    const outcomes = new Set<string>();
    for (let trial = 1; trial <= 12; trial++) {
      const env = await fileSecretsEnv();
      const child = startCli(addArgs, { env, input: password });
      const done = collect(child);
      let changes = 0;
      const watcher = watch(env.MAILSHOT_CONFIG_DIR, () => {
        if (++changes === trial) child.kill('SIGKILL');
      });
      await done;
      watcher.close();
      const left = await record(env);
      outcomes.add(left?.secret ?? 'nothing');
      if (left) expect((await runCli(['accounts', 'remove', 'work'], { env })).code).toBe(0);
      expect(await filesWithPassword(env.MAILSHOT_CONFIG_DIR)).toEqual([]);
    }
    console.log(`accounts add killed from outside; left behind: ${[...outcomes].join(', ')}`);
  }, 60_000);
});
