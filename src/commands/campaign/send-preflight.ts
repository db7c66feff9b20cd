import type { SendPlan } from '../../delivery/run-context.js';
import { StopError } from '../../errors.js';
import { warn, type CommandIo } from '../io.js';

/** The quick check gives up after this long. */
const deadlineMs = 8000;

export interface PreflightFlags {
  file: string;
  /** Stop when a check fails, rather than warn. */
  requireDeliverability?: boolean;
}

/**
 * The quick part of `campaign check` (SPF, DKIM, DMARC, alignment; no list scan) before a first real send:
 * what is wrong is said as warnings; it stops the send only with --require-deliverability.
 */
export async function checkBeforeSend(plan: SendPlan, flags: PreflightFlags, io: CommandIo): Promise<void> {
  const [{ preflight }, { dnsResolver }, { sendingServiceOf }] = await Promise.all([
    import('../../campaign/check/preflight.js'),
    import('../../campaign/check/dns.js'),
    import('./sending-service.js'),
  ]);
  const details = `\`mailshot campaign check ${flags.file} --via ${plan.via}\` shows what to add to DNS`;
  const dns = dnsResolver(undefined, 1);
  // a resolver that does not answer (no network) must not hold the send up: past the deadline, its look-ups end
  const deadline = setTimeout(() => dns.cancel(), deadlineMs);
  let result: Awaited<ReturnType<typeof preflight>>;
  try {
    result = await preflight({ from: plan.from, service: await sendingServiceOf(plan.via), dns });
  } catch (error) {
    const why = `the deliverability check could not look up DNS (${(error as Error).message})`;
    if (flags.requireDeliverability) throw new StopError(`${why}; nothing was sent (--require-deliverability)`);
    return warn(io, `${why}; sending anyway`);
  } finally {
    clearTimeout(deadline);
  }
  for (const finding of result.findings)
    if (finding.status !== 'pass')
      warn(io, `deliverability: ${finding.status === 'fail' ? 'FAIL' : 'warn'} ${finding.check}: ${finding.why}`);
  if (!result.failed) return;
  if (flags.requireDeliverability)
    throw new StopError(`${result.failed} deliverability check(s) failed; nothing was sent (--require-deliverability). ${details}`);
  warn(io, `${result.failed} deliverability check(s) failed: this mail may go to spam or be rejected; sending anyway. ${details}`);
}
