/**
 * The suppression list (src/suppress/): the list itself in-process (fold, soft-bounce threshold, file
 * modes, symlinks, damage), and `mailshot suppress …` plus a campaign run that skips suppressed
 * addresses — also recipients already pending in the journal — as processes.
 */
import { chmod, lstat, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, tempDir, writeCampaign } from './helpers/cli.js';
import { SuppressionList } from '../src/suppress/list.js';
import { journalLines } from './helpers/journal.js';
import { reportJson } from './helpers/report.js';
import { runInProcess } from './helpers/in-process.js';

async function withConfig<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await tempDir('mailshot-suppress-');
  const before = process.env.MAILSHOT_CONFIG_DIR;
  process.env.MAILSHOT_CONFIG_DIR = dir;
  try {
    return await body(dir);
  } finally {
    process.env.MAILSHOT_CONFIG_DIR = before;
  }
}

describe('SuppressionList', () => {
  test('adds once per canonical address, removes, and survives a reopen; files are owner-only', async () => {
    await withConfig(async (dir) => {
      const list = await SuppressionList.open('sender@example.com');
      const added = await list.add([
        { address: ' Ann@Example.com ', reason: 'unsubscribed' },
        { address: 'ann@example.com', reason: 'manual' },
        { address: 'bob@example.com', reason: 'bounced', detail: '5.1.1' },
      ]);
      expect(added.map((entry) => entry.address)).toEqual(['ann@example.com', 'bob@example.com']);
      expect(await list.remove('BOB@example.com')).toBe(true);
      expect(await list.remove('bob@example.com')).toBe(false);
      const again = await SuppressionList.open('sender@example.com');
      expect(again.get('ANN@example.com')?.reason).toBe('unsubscribed');
      expect(again.get('bob@example.com')).toBeUndefined();
      expect((await lstat(path.join(dir, 'suppress'))).mode & 0o777).toBe(0o700);
      expect((await lstat(again.file)).mode & 0o777).toBe(0o600);
    });
  });

  test('soft bounces suppress at the third within 30 days, not before, and older ones do not count', async () => {
    await withConfig(async () => {
      const list = await SuppressionList.open('s@example.com');
      const day = 24 * 3600_000;
      const now = Date.now();
      expect(await list.softBounce('c@example.com', new Date(now - 40 * day), '4.2.2 mailbox full')).toBeUndefined();
      expect(await list.softBounce('c@example.com', new Date(now - 2 * day), '4.2.2 mailbox full')).toBeUndefined();
      expect(await list.softBounce('c@example.com', new Date(now - day), '4.2.2 mailbox full')).toBeUndefined();
      expect(list.get('c@example.com')).toBeUndefined();
      const third = await list.softBounce('c@example.com', new Date(now), '4.2.2 mailbox full');
      expect(third).toMatchObject({ address: 'c@example.com', reason: 'bounced' });
      expect((await SuppressionList.open('s@example.com')).get('c@example.com')?.detail).toMatch(/^3 soft bounces within 30 days/);
    });
  });

  test('a symbolic link in place of the list is refused; a damaged line is named; a torn last line is ignored', async () => {
    await withConfig(async (dir) => {
      await mkdir(path.join(dir, 'suppress'), { recursive: true });
      const file = SuppressionList.fileFor('s@example.com');
      const elsewhere = path.join(dir, 'elsewhere.jsonl');
      await writeFile(elsewhere, '');
      await symlink(elsewhere, file);
      await expect(SuppressionList.open('s@example.com')).rejects.toThrow(/symbolic link/);
      const damaged = SuppressionList.fileFor('d@example.com');
      await writeFile(damaged, '{"op":"add","address":"a@example.com","reason":"manual","at":"2026-01-01T00:00:00Z"}\nnot json\n', {
        mode: 0o600,
      });
      await expect(SuppressionList.open('d@example.com')).rejects.toThrow(/d%40example\.com\.jsonl:2: not a suppression entry/);
      const torn = SuppressionList.fileFor('t@example.com');
      await writeFile(torn, '{"op":"add","address":"a@example.com","reason":"manual","at":"2026-01-01T00:00:00Z"}\n{"op":"add","addr', {
        mode: 0o600,
      });
      expect((await SuppressionList.open('t@example.com')).size).toBe(1);
    });
  });

  test('a list others may change is refused, as every owner-only file is (src/system/owner-only.ts)', async () => {
    await withConfig(async () => {
      const list = await SuppressionList.open('g@example.com');
      await list.add([{ address: 'a@example.com', reason: 'manual' }]);
      await chmod(SuppressionList.fileFor('g@example.com'), 0o620);
      await expect(SuppressionList.open('g@example.com')).rejects.toThrow(/may be changed by other users \(mode 620\)/);
    });
  });
});

describe('mailshot suppress and campaign runs', () => {
  test('add, list, import, export and remove; bad addresses and a missing column are refused with exit 2', async () => {
    const env = { MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') };
    const cli = (...args: string[]) => runCli(args, { env });
    expect((await cli('suppress', 'add', 'Ann@Example.com', 'not-an-address', '--account', 'outbox')).code).toBe(2);
    expect((await cli('suppress', 'add', 'Ann@Example.com', '--account', 'outbox')).code).toBe(0);
    const dir = await tempDir();
    await writeFile(
      path.join(dir, 'unsubscribes.csv'),
      'email,reason,unsubscribed_at\nann@example.com,,2026-11-30\nbob@example.com,,2026-11-30\nnot-an-address,,x\ncid@example.com,complained,2026-11-30\n',
    );
    const imported = await cli('suppress', 'import', path.join(dir, 'unsubscribes.csv'), '--account', 'outbox', '--json');
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ added: 2, already: 1, invalid: [{ line: 4, value: 'not-an-address' }] });
    await writeFile(path.join(dir, 'no-email.csv'), 'address\nann@example.com\n');
    const refused = await cli('suppress', 'import', path.join(dir, 'no-email.csv'), '--account', 'outbox');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('no "email" column');
    const listed = JSON.parse((await cli('suppress', 'list', '--account', 'outbox', '--json')).stdout) as {
      entries: { address: string; reason: string }[];
    };
    expect(listed.entries.map((entry) => [entry.address, entry.reason])).toEqual([
      ['ann@example.com', 'manual'],
      ['bob@example.com', 'unsubscribed'],
      ['cid@example.com', 'complained'],
    ]);
    expect((await cli('suppress', 'remove', 'bob@example.com', '--account', 'outbox')).code).toBe(0);
    const exported = await cli('suppress', 'export', '--account', 'outbox');
    expect(exported.stdout.split('\n')[0]).toBe('email,reason,at,detail');
    expect(exported.stdout).not.toContain('bob@example.com');
    const noAccount = await cli('suppress', 'list');
    expect(noAccount.code).toBe(2);
    expect(noAccount.stderr).toContain('--account NAME');
  });

  test('a run skips suppressed recipients as `suppressed` (with the reason), also one already pending in the journal; validate --via counts them', async () => {
    const env = { MAILSHOT_CONFIG_DIR: await tempDir('mailshot-config-') };
    const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\nbob@example.com,Bob\ncid@example.com,Cid\n' });
    expect((await runCli(['suppress', 'add', 'BOB@example.com', '--account', 'outbox', '--reason', 'unsubscribed'], { env })).code).toBe(0);
    const validated = await runInProcess(['campaign', 'validate', campaign.file, '--via', 'outbox'], { env });
    expect(validated.stdout).toContain('1 of them suppressed for outbox');
    expect((await runCli(['campaign', 'send', campaign.file, '--limit', '1'], { env })).code).toBe(75);
    // cid is pending now; it bounces elsewhere meanwhile
    expect((await runCli(['suppress', 'add', 'cid@example.com', '--account', 'outbox', '--reason', 'bounced'], { env })).code).toBe(0);
    expect((await runCli(['campaign', 'resume', campaign.file], { env })).code).toBe(0);
    const journal = await journalLines(campaign.stateDir);
    expect(journal.filter((event) => event.ev === 'sent').map((event) => event.to)).toEqual(['ann@example.com']);
    expect(journal.filter((event) => event.reason === 'suppressed').map((event) => [event.to, event.suppressed])).toEqual([
      ['bob@example.com', 'unsubscribed'],
      ['cid@example.com', 'bounced'],
    ]);
    const report = await reportJson(campaign.file, [], { env });
    expect(report.skipped_by_reason).toEqual({ suppressed: 2 });
    expect(report.recipients.find((outcome: { recipient: string }) => outcome.recipient === 'cid@example.com')).toMatchObject({
      status: 'skipped',
      reason: 'suppressed',
      detail: 'bounced',
    });
  });
});
