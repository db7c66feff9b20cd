import cliProgress from 'cli-progress';
import { emptyCounts } from '../status.js';
import type { RunEvent } from '../delivery/run.js';
import { formatLimits } from '../throttle/rate.js';

export interface ProgressView {
  onEvent(event: RunEvent): void;
  /** Stops timers and bars; safe to call twice. */
  close(): void;
}

/**
 * Shows a run: a progress bar on a terminal, a plain line every few seconds otherwise, or with --json
 * one JSON object per line on stdout (start, progress, recipient, end).
 */
export function progressView(json: boolean): ProgressView {
  if (json) return jsonView();
  return process.stderr.isTTY ? barView() : lineView();
}

function tally() {
  const counts = emptyCounts();
  let total = 0;
  let startedAt = Date.now();
  return {
    counts,
    get total() {
      return total;
    },
    get handled() {
      return counts.sent + counts.failed + counts.deferred + counts.skipped + counts.in_doubt;
    },
    get rate() {
      const seconds = (Date.now() - startedAt) / 1000;
      return seconds > 0 ? Math.round(((counts.sent + counts.failed) / seconds) * 10) / 10 : 0;
    },
    apply(event: RunEvent) {
      if (event.type === 'start') {
        total = event.toSend;
        startedAt = Date.now();
      } else if (event.type === 'recipient') counts[event.outcome]++;
    },
  };
}

function jsonView(): ProgressView {
  const state = tally();
  let lastProgress = 0;
  const write = (object: object) => process.stdout.write(JSON.stringify(object) + '\n');
  const progress = () => write({ type: 'progress', ...state.counts, handled: state.handled, total: state.total, rate_per_second: state.rate });
  return {
    onEvent(event) {
      state.apply(event);
      if (event.type === 'end') progress();
      write(event);
      if (event.type === 'recipient' && Date.now() - lastProgress >= 1000) {
        lastProgress = Date.now();
        progress();
      }
    },
    close() {},
  };
}

function barView(): ProgressView {
  const state = tally();
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {value}/{total} | sent {sent} · failed {failed} · deferred {deferred} | {rate}/s ({limits}) | ETA {eta_formatted}', hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  let limits = 'as configured';
  const payload = () => ({ ...state.counts, rate: state.rate, limits });
  return {
    onEvent(event) {
      state.apply(event);
      if (event.type === 'start' && event.toSend > 0) {
        process.stderr.write(`Sending "${event.campaign}" via ${event.via}: ${event.toSend} to send, ${event.alreadyDone} already done\n`);
        bar.start(event.toSend, 0, payload());
        running = true;
      } else if (event.type === 'recipient' && running) bar.update(state.handled, payload());
      else if (event.type === 'limits') {
        limits = formatLimits(event);
        if (running) bar.update(state.handled, payload());
      }
      else if (event.type === 'end') this.close();
    },
    close() {
      if (running) bar.stop();
      running = false;
    },
  };
}

function lineView(): ProgressView {
  const state = tally();
  const print = () =>
    process.stderr.write(
      `mailshot: ${state.handled}/${state.total} handled (sent ${state.counts.sent}, failed ${state.counts.failed}, deferred ${state.counts.deferred}), ${state.rate}/s\n`,
    );
  let timer: NodeJS.Timeout | undefined;
  return {
    onEvent(event) {
      state.apply(event);
      if (event.type === 'start' && event.toSend > 0) {
        process.stderr.write(`mailshot: sending "${event.campaign}" via ${event.via}: ${event.toSend} to send, ${event.alreadyDone} already done\n`);
        timer = setInterval(print, 5000).unref();
      } else if (event.type === 'limits') process.stderr.write(`mailshot: ${describeLimits(event)}\n`);
      else if (event.type === 'end') this.close();
    },
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

function describeLimits(event: Extract<RunEvent, { type: 'limits' }>): string {
  return `limits now ${formatLimits(event)} (${event.why})`;
}
