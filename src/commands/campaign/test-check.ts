import { InputError } from '../../errors.js';
import { notice, type CommandIo } from '../io.js';

export interface LandingCheck {
  via: string;
  to: string;
  messageId: string;
  /** How long to wait for the message, in seconds. */
  timeout: number;
}

const pollMs = 2000;

/** `campaign test --check`: where the test message landed (Inbox or Junk) and the receiving server's Authentication-Results; 1 unless it reached the Inbox. */
export async function reportLanding(check: LandingCheck, io: CommandIo): Promise<number> {
  if (check.via === 'outbox') throw new InputError('--check needs a real account (--via ACCOUNT): the outbox delivers nothing');
  const [{ waitForLanding }, { authVerdicts, verdictText }] = await Promise.all([
    import('../../bounces/landing.js'),
    import('../../bounces/auth-results.js'),
  ]);
  notice(io, `waiting up to ${check.timeout} s for the test message in the mailbox of "${check.via}" (Inbox and spam)`);
  const landing = await waitForLanding(check.via, check.messageId, { timeoutMs: check.timeout * 1000, pollMs });
  if (!landing) {
    io.stdout.write(
      `The test message to ${check.to} did not arrive in ${check.timeout} s (Inbox and spam of "${check.via}"); it may be delayed or refused: look at the mailbox, or try again with a longer --check-timeout\n`,
    );
    return 1;
  }
  const lines = [`Landed in ${landing.folder}${landing.junk ? ': marked as spam' : ''}`];
  const [newest] = landing.authenticationResults;
  if (newest === undefined) lines.push('  no Authentication-Results header: the receiving server added none');
  else for (const verdict of authVerdicts(newest)) lines.push(`  ${verdictText(verdict)}`);
  io.stdout.write(lines.join('\n') + '\n');
  return landing.junk ? 1 : 0;
}
