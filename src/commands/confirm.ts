import type { SendPlan } from '../delivery/send-loop.js';
import { formatDuration } from '../report/chart.js';
import { formatRate } from '../throttle/rate.js';
import type { CommandIo } from './io.js';

/** How long a send will take at the account's limits, in words. */
export function describePlan(plan: SendPlan): string {
  const { maxConcurrent, rate, dailyLimit } = plan.limits;
  const pace = [`${maxConcurrent} at once`, rate && formatRate(rate), dailyLimit && `${dailyLimit} a day`].filter(Boolean).join(', ');
  const byRate = rate ? (plan.recipients * rate.perMs) / rate.count : undefined;
  const days = dailyLimit ? Math.ceil(plan.recipients / dailyLimit) : 1;
  const time =
    days > 1
      ? `about ${days} days (${dailyLimit} a day; the campaign pauses and resumes)`
      : byRate
        ? `about ${formatDuration(byRate)}`
        : 'as fast as the server takes them';
  return [
    `About to send ${plan.recipients} message(s) through "${plan.via}"` +
      (plan.recipients < plan.of
        ? ` (--limit ${plan.limit}; ${plan.of - plan.recipients} of the ${plan.of} recipients left for later runs)`
        : ''),
    `  From:   ${plan.from}`,
    `  Limits: ${pace}`,
    `  Time:   ${time}`,
  ].join('\n');
}

/** Asks on the terminal before a first real send; anything but yes cancels. */
export async function confirmSend(plan: SendPlan, io: CommandIo): Promise<boolean> {
  io.stderr.write(describePlan(plan) + '\n');
  const answer = await io.prompt('Send now? [y/N] ').catch(() => '');
  return /^y(es)?$/i.test(answer.trim());
}
