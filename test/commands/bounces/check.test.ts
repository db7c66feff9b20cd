/**
 * `bounces check` (src/commands/bounces/check.ts) run in-process with a fake terminal: what it refuses before
 * reading a mailbox, and what it says about an empty one. test/bounces-cli.test.ts and test/bounces-imap.test.ts
 * run it as a process.
 */
import { run as check } from '../../../src/commands/bounces/check.js';
import { InputError } from '../../../src/errors.js';
import { fakeIo, isolatedEnv } from '../../helpers/io.js';
import { smtpWithMailbox } from '../../helpers/mailbox.js';
import { fileSecretsEnv } from '../../helpers/smtp.js';
import { describeWithDovecot } from '../../servers/dovecot.js';
// Loaded here as well as lazily by the command: jest's ESM loader cannot link the same modules from
// several dynamic imports at once ("request for 'node:fs' is not in cache").
import '../../../src/bounces/check.js';
import '../../../src/bounces/format.js';

isolatedEnv();

test('a --since that is not a date is bad input, named, before any account is opened', async () => {
  const refusal = check({ account: 'nope', since: 'last tuesdayish' }, fakeIo());
  await expect(refusal).rejects.toThrow(new InputError('--since last tuesdayish: not a date; use e.g. 2026-11-01'));
});

test('an unknown account is bad input', async () => {
  Object.assign(process.env, await fileSecretsEnv());
  await expect(check({ account: 'nope' }, fakeIo())).rejects.toMatchObject({
    exitCode: 2,
    message: expect.stringContaining('no account named "nope"'),
  });
});

describeWithDovecot('bounces check of an empty mailbox', () => {
  test('says so on a terminal, and nothing from cron; --json prints the counts', async () => {
    const world = await smtpWithMailbox('sender@example.com', 'imap-S3cret-78');
    try {
      Object.assign(process.env, world.env);
      const terminal = fakeIo({ tty: true });
      await check({ account: 'smtp1' }, terminal);
      expect([terminal.out, terminal.err]).toEqual(['', 'mailshot: no new messages in the mailbox of "smtp1"\n']);
      const cron = fakeIo({ tty: false });
      await check({ account: 'smtp1', since: '2026-11-01' }, cron);
      expect([cron.out, cron.err]).toEqual(['', '']);
      const json = fakeIo();
      await check({ account: 'smtp1', json: true }, json);
      expect(JSON.parse(json.out)).toMatchObject({ messages: 0 });
      expect(json.err).toBe('');
    } finally {
      await Promise.all([world.smtp.close(), world.imap.close()]);
    }
  });
});
