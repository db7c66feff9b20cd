import type { SendPlan } from '../../delivery/run-context.js';
import { StopError } from '../../errors.js';
import { warn, type CommandIo } from '../io.js';

/** The quick check gives up after this long. */
const deadlineMs = 8000;

type Sending = Pick<SendPlan, 'via' | 'from'>;

export interface PreflightFlags {
  file: string;
  /** Stop when a check fails, rather than warn. */
  requireDeliverability?: boolean;
}

/**
 * The quick part of `campaign check` (SPF, DKIM, DMARC, alignment; no list scan) on a first real send (the send
 * loop decides when: delivery/early-checks.ts). The function the look-ups resolve to tells what is wrong as warnings,
 * and stops the send only with --require-deliverability. `stopped` ends look-ups still going.
 */
export async function lookUpBeforeSend(sender: Sending, flags: PreflightFlags, io: CommandIo, stopped: AbortSignal): Promise<() => void> {
  const [{ preflight }, { dnsResolver }, { sendingServiceOf }] = await Promise.all([
    import('../../campaign/check/preflight.js'),
    import('../../campaign/check/dns.js'),
    import('./sending-service.js'),
  ]);
  const dns = dnsResolver(undefined, 1);
  const cancel = () => dns.cancel();
  // a resolver that does not answer (no network) must not hold the send up: past the deadline, its look-ups end
  const deadline = setTimeout(cancel, deadlineMs);
  stopped.addEventListener('abort', cancel, { once: true });
  try {
    const result = await preflight({ from: sender.from, service: await sendingServiceOf(sender.via), dns });
    return () => tellFindings(result, sender, flags, io);
  } catch (error) {
    const why = `the deliverability check could not look up DNS (${(error as Error).message})`;
    return () => {
      if (flags.requireDeliverability) throw new StopError(`${why}; nothing was sent (--require-deliverability)`);
      warn(io, `${why}; sending anyway`);
    };
  } finally {
    clearTimeout(deadline);
    stopped.removeEventListener('abort', cancel);
  }
}

type Findings = Awaited<ReturnType<typeof import('../../campaign/check/preflight.js').preflight>>;

function tellFindings(result: Findings, sender: Sending, flags: PreflightFlags, io: CommandIo): void {
  const details = `\`mailshot campaign check ${flags.file} --via ${sender.via}\` shows what to add to DNS`;
  for (const finding of result.findings)
    if (finding.status !== 'pass')
      warn(io, `deliverability: ${finding.status === 'fail' ? 'FAIL' : 'warn'} ${finding.check}: ${finding.why}`);
  if (!result.failed) return;
  if (flags.requireDeliverability)
    throw new StopError(`${result.failed} deliverability check(s) failed; nothing was sent (--require-deliverability). ${details}`);
  warn(io, `${result.failed} deliverability check(s) failed: this mail may go to spam or be rejected; sending anyway. ${details}`);
}
