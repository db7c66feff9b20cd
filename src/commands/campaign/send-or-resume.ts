import path from 'node:path';
import type { AccountLimits } from '../../accounts/account.js';
import type { InDoubtPolicy, RunOptions, RunResult } from '../../delivery/send-loop.js';
import { emptyCounts } from '../../status.js';
import { StopError } from '../../errors.js';
import type { RunNotice } from '../../system/notify.js';
import { keepHeapNearLiveSize } from '../../system/heap-growth.js';
import { outputClosed } from '../../system/output.js';
import { notice, warn, type CommandIo } from '../io.js';
import { limitsFrom } from '../options.js';
import { verbosity } from '../verbosity.js';

/** What `send` and `resume` share. */
export interface RunFlags extends AccountLimits {
  file: string;
  wait?: boolean;
  notifyCommand?: string;
  via?: string;
  limit?: number;
  state?: string;
  json?: boolean;
  /** Do not ask before a first real send. */
  yes?: boolean;
  inDoubt: InDoubtPolicy;
  /** `send`: stop a first real send when the deliverability pre-flight fails (else it warns). */
  requireDeliverability?: boolean;
}

let modules: ReturnType<typeof importRunModules> | undefined;

function importRunModules() {
  return Promise.all([
    import('../../delivery/wait.js'),
    import('../progress.js'),
    import('../../system/keep-awake.js'),
    import('../../system/notify.js'),
    import('../confirm.js'),
    import('../send-result.js'),
    import('../../system/local-time.js'),
  ]);
}

/** What a run needs, loaded once: `send` starts loading it while it reads --at and --spread. */
export function runModules(): ReturnType<typeof importRunModules> {
  return (modules ??= importRunModules());
}

/** `send` and `resume`: runs the campaign (with --wait, until nothing is left to wait for), tells how it ended; returns the exit code. */
export async function runAndTell(flags: RunFlags, when: Pick<RunOptions, 'at' | 'spreadMs' | 'resume'>, io: CommandIo): Promise<number> {
  const [{ runWaiting }, { progressView }, { keepAwake }, { notifyRunEnd }, { confirmSend }, { tell }, { localTime }] = await runModules();
  keepHeapNearLiveSize();
  const controller = new AbortController();
  const { quiet } = verbosity();
  const view = progressView(Boolean(flags.json), verbosity(), io);
  let name = path.basename(flags.file); // until the run names the campaign
  const notify = (event: RunNotice['event'], reason: string, counts: RunResult['counts']) =>
    notifyRunEnd(
      { event, campaign: name, file: path.resolve(flags.file), reason, counts },
      { command: flags.notifyCommand, desktop: !quiet, warn: (message) => warn(io, message) },
    );
  const stopInterrupts = onInterrupt(controller, io);
  const options: RunOptions = {
    ...when,
    campaignFile: flags.file,
    stateDir: flags.state,
    via: flags.via,
    limit: flags.limit,
    inDoubt: flags.inDoubt,
    limits: limitsFrom(flags),
    // Only a person at a terminal is asked; scripts and cron are not.
    confirm: flags.yes || !io.isTTY.stdin || !io.isTTY.stderr ? undefined : (plan) => confirmSend(plan, io),
    preflight: when.resume
      ? undefined
      : {
          lookUp: async (sending, stopped) => (await import('./send-preflight.js')).lookUpBeforeSend(sending, flags, io, stopped),
          mayStop: Boolean(flags.requireDeliverability),
        },
    signal: controller.signal,
    onEvent: (event) => {
      if (event.type === 'start') name = event.campaign;
      view.onEvent(event);
    },
    warn: (message) => warn(io, message),
  };
  let result: RunResult;
  try {
    result = await runWaiting(options, {
      wait: Boolean(flags.wait),
      onWaiting: (until, why) =>
        notice(io, `waiting until ${localTime(until, { seconds: true })} (${why}); Ctrl-C stops, \`resume\` continues later`),
      onRunStart: (run) => (run.at ? () => undefined : keepAwake(`sending ${path.basename(flags.file)}`)),
    });
  } catch (error) {
    if (error instanceof StopError) await notify('stopped', error.message, emptyCounts());
    throw error;
  } finally {
    view.close();
    stopInterrupts();
  }
  // Stopped in the middle (credentials revoked, a full disk): what was sent before still counts.
  if (result.error !== undefined) {
    if (result.error instanceof StopError) await notify('stopped', result.error.message, result.counts);
    throw result.error;
  }
  if (!result.idle && result.status !== 'scheduled') await notify(result.status, result.reason, result.counts);
  return tell(result, { campaignFile: flags.file, stateDir: flags.state, quiet }, io);
}

/**
 * Ctrl-C, SIGTERM, SIGHUP (a closed terminal) and a closed stdout (EPIPE) stop dispatching and let in-flight
 * messages finish; a second Ctrl-C quits at once. Returns the un-hook.
 */
function onInterrupt(controller: AbortController, io: CommandIo): () => void {
  let stoppingSince: number | undefined;
  const interrupt = () => {
    if (stoppingSince !== undefined) {
      // conf's exit hook (when-exit) raises the signal it saw once more: that echo, a moment after
      // the first, is not the person asking a second time.
      if (Date.now() - stoppingSince < 1000) return;
      process.exit(130);
    }
    stoppingSince = Date.now();
    notice(io, 'stopping: finishing messages in flight (press Ctrl-C again to quit at once)');
    controller.abort();
  };
  const readerGone = () => {
    if (stoppingSince === undefined) interrupt();
  };
  process.on('SIGINT', interrupt).on('SIGTERM', interrupt).on('SIGHUP', interrupt);
  outputClosed.addEventListener('abort', readerGone);
  if (outputClosed.aborted) readerGone();
  return () => {
    process.off('SIGINT', interrupt).off('SIGTERM', interrupt).off('SIGHUP', interrupt);
    outputClosed.removeEventListener('abort', readerGone);
  };
}
