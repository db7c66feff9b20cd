/**
 * The campaign lock: one owner at a time, even when many runs meet a stale lock at once; a lock from
 * another host or a reused pid is shown by `status` and cleared by `campaign unlock`.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LaterError } from '../src/errors.js';
import { acquireLock } from '../src/store/lock.js';
import { recipientsCsv, runCli, tempDir, writeCampaign } from './helpers/cli.js';
import { deadPid, lockOwnedBy } from './helpers/processes.js';

describe('taking over a stale lock', () => {
  test("30 trials of 6 takers at once over a dead owner's lock: exactly one gets it each time", async () => {
    const dir = await tempDir('mailshot-lock-');
    const dead = await deadPid();
    for (let trial = 0; trial < 30; trial++) {
      const file = path.join(dir, `lock-${trial}`);
      await writeFile(file, lockOwnedBy(dead));
      // All six run in this process: each sees the others' fresh locks as alive (same live pid).
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => acquireLock(file)));
      const won = results.filter((result) => result.status === 'fulfilled');
      const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(won).toHaveLength(1);
      for (const refusal of refused) expect(refusal.reason).toBeInstanceOf(LaterError);
      expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid });
      await (won[0] as PromiseFulfilledResult<() => Promise<void>>).value();
    }
    expect(await readdir(dir)).toEqual([]); // no temp or breaker file left
  });
});

describe('a lock that cannot be checked', () => {
  test('another host: status shows owner and age, send refuses naming unlock, unlock clears it, resume continues', async () => {
    const campaign = await writeCampaign({ csv: recipientsCsv(6) });
    expect((await runCli(['campaign', 'send', campaign.file, '--limit', '2'])).code).toBe(75);
    const lockFile = path.join(campaign.stateDir, 'lock');
    await writeFile(lockFile, lockOwnedBy(4242, 'gone-container', new Date(Date.now() - 3_600_000).toISOString()));

    const refused = await runCli(['campaign', 'resume', campaign.file]);
    expect(refused.code).toBe(75);
    expect(refused.stderr).toContain('pid 4242 on gone-container');
    expect(refused.stderr).toContain('mailshot campaign unlock');
    const status = await runCli(['campaign', 'status', campaign.file]);
    expect(status.stdout).toMatch(/Lock {8}held by pid 4242 on gone-container since .* \(60 min\); cannot be checked/);
    const json = JSON.parse((await runCli(['campaign', 'status', campaign.file, '--json'])).stdout);
    expect(json.lock).toMatchObject({ pid: 4242, host: 'gone-container', owner: 'elsewhere' });
    expect(json.lock.age_seconds).toBeGreaterThanOrEqual(3600);

    const unlocked = await runCli(['campaign', 'unlock', campaign.file]);
    expect(unlocked.code).toBe(0);
    expect(unlocked.stderr).toContain('removed the lock of pid 4242 on gone-container');
    expect(await readdir(campaign.stateDir)).not.toContain('lock');
    const resumed = await runCli(['campaign', 'resume', campaign.file]);
    expect(resumed.code).toBe(0);
    expect(await readdir(campaign.outbox)).toHaveLength(6);
  });

  test('unlock refuses while the owner is a live process on this host, and leaves the lock', async () => {
    const campaign = await writeCampaign();
    await mkdir(campaign.stateDir, { recursive: true });
    const lock = lockOwnedBy(process.pid);
    await writeFile(path.join(campaign.stateDir, 'lock'), lock);
    const refused = await runCli(['campaign', 'unlock', campaign.file]);
    expect(refused.code).toBe(75);
    expect(refused.stderr).toContain(`being sent by another mailshot (pid ${process.pid}`);
    expect(await readFile(path.join(campaign.stateDir, 'lock'), 'utf8')).toBe(lock);
    const nothing = await runCli(['campaign', 'unlock', (await writeCampaign()).file]);
    expect(nothing.code).toBe(0);
    expect(nothing.stderr).toContain('is not locked');
  });

  test('a pid now used by a process that started after the lock was taken is a reused pid: the lock is taken over', async () => {
    const campaign = await writeCampaign({ csv: recipientsCsv(3) });
    await mkdir(campaign.stateDir, { recursive: true });
    // This test process is alive, but it started long after 2001.
    await writeFile(path.join(campaign.stateDir, 'lock'), lockOwnedBy(process.pid, os.hostname(), '2001-01-01T00:00:00.000Z'));
    const sent = await runCli(['campaign', 'send', campaign.file]);
    expect(sent.stderr).toContain('done: sent 3, failed 0');
    expect(sent.code).toBe(0);
  });
});
