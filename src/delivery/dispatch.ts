import { isRecipient, type Recipient } from '../campaign/recipients.js';
import { recipientsOf } from '../campaign/prepare.js';
import { currentFingerprint, sameFingerprint, type CsvFingerprint } from '../campaign/csv-fingerprint.js';
import type { JournalEvent } from '../store/journal-line.js';
import type { Progress } from './checkpoint.js';
import type { SuppressionList } from '../suppress/list.js';
import { sendRecipient } from './attempt.js';
import type { RunContext } from './run-context.js';
import { DeliverySchedule } from './schedule.js';

/** What dispatch leaves for settling the run. */
export interface Dispatched {
  /** Recipients due in this run (handed over or not). */
  due: number;
  /** The earliest time a recipient not yet due becomes due (Infinity: none). */
  nextDue: number;
}

/**
 * Hands every due recipient to sendRecipient, with as many in hand as there are slots (plus those waiting to
 * retry): more would only hold composed messages in memory. An unexpected error of one recipient ends the run.
 */
export async function dispatch(run: RunContext, progress: Progress, alreadyDone: number, suppressed: SuppressionList): Promise<Dispatched> {
  const { options, campaign, state, via } = run;
  const { known, prefixKeys, start } = progress;
  const schedule = new DeliverySchedule(campaign.definition, Date.parse(state.scheduledAt ?? state.createdAt), options.warn);
  const inFlight = new Set<Promise<void>>();
  const result: Dispatched = { due: 0, nextDue: Infinity };
  let handedOver = 0;
  let unsettled = 0;
  const announce = (toSend: number) =>
    options.onEvent({ type: 'start', campaign: campaign.definition.name, via, recipients: state.recipients, alreadyDone, toSend });
  const settledKey = (key: string) => isSettled(known.get(key)) || prefixKeys.has(key);
  const list = listWatch(run);
  const reading = { start, onRow: run.tracker.onRow, onOpen: list.onOpen };
  // A first send goes through the rows its check read (and the person confirmed), when it kept them.
  const rows = run.firstPass?.replay(reading) ?? recipientsOf(campaign, settledKey, reading);
  for await (const row of rows) {
    if (!isRecipient(row)) continue;
    unsettled++;
    const suppression = suppressed.get(row.key);
    if (suppression) {
      run.record(
        { ev: 'skipped', to: row.key, at: Date.now(), reason: 'suppressed', suppressed: suppression.reason, line: row.line },
        'skipped',
        `suppressed (${suppression.reason})`,
      );
      continue;
    }
    const last = known.get(row.key);
    if (last === 'attempt' && options.inDoubt === 'skip') {
      skipInDoubt(run, row);
      continue;
    }
    const due = schedule.dueAt(row);
    if (due > Date.now()) {
      result.nextDue = Math.min(result.nextDue, due);
      continue;
    }
    result.due++;
    if (run.ended || (options.limit !== undefined && handedOver >= options.limit)) continue;
    if (list.changed()) break;
    if (handedOver++ === 0) announce(Math.min(run.pending ?? state.recipients - alreadyDone, options.limit ?? Infinity));
    const task: Promise<void> = sendRecipient(run, row, last === 'attempt').catch((error: unknown) =>
      run.end('stopped', (error as Error).message, error),
    );
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    while (inFlight.size >= run.pacer.slots.concurrency + run.waitingToRetry) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  // Rows added to the CSV since the first send are recipients too: every count (status, reports) includes them.
  if (!list.hasChanged) state.recipients = Math.max(state.recipients, alreadyDone + unsettled);
  if (handedOver === 0) announce(0);
  return result;
}

/**
 * Whether the CSV changed since this run's pass opened it: rows read before may no longer be in the
 * list, or no longer hold these values. The run then pauses, and a resume reads the list as it is now.
 */
function listWatch(run: RunContext) {
  let opened: CsvFingerprint | undefined;
  const watch = {
    hasChanged: false,
    onOpen(fingerprint: CsvFingerprint): void {
      opened = fingerprint;
      run.tracker.onOpen(fingerprint);
    },
    changed(): boolean {
      const { recipients, recipientsFile } = run.campaign.definition;
      if (sameFingerprint(currentFingerprint(recipientsFile), opened)) return false;
      watch.hasChanged = true;
      run.end('paused', `${recipients} changed during this run; run \`mailshot campaign resume\` to go on with the list as it is now`);
      return true;
    },
  };
  return watch;
}

function skipInDoubt(run: RunContext, row: Recipient): void {
  run.record(
    { ev: 'skipped', to: row.key, at: Date.now(), reason: 'in_doubt', line: row.line },
    'skipped',
    'in doubt: not resent (--in-doubt skip)',
  );
}

/** Sent, failed for good, or skipped on purpose: nothing more to do for this recipient. */
export function isSettled(event: JournalEvent['ev'] | undefined): boolean {
  return event === 'sent' || event === 'failed' || event === 'skipped';
}
