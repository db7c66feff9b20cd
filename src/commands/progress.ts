import type { RunEvent } from '../delivery/send-loop.js';
import { emptyCounts } from '../status.js';
import { formatLimits } from '../throttle/rate.js';
import { notice, type CommandIo, type Writer } from './io.js';
import { EtaEstimate, fitLine, formatEta } from './progress-line.js';
import type { Verbosity } from './verbosity.js';
import { terminalSafe } from '../system/terminal-text.js';

export interface ProgressView {
  onEvent(event: RunEvent): void;
  /** Stops timers and bars; safe to call twice. */
  close(): void;
}

/** Version of the --json event stream (documented in docs/json.md). */
export const eventSchemaVersion = 1;

/**
 * Shows a run: with --json one JSON object per line on stdout; on a terminal that can move the cursor, a
 * bar redrawn in place; elsewhere (a pipe, cron, TERM=dumb) a plain line every few seconds; with --quiet nothing.
 */
export function progressView(json: boolean, verbosity: Pick<Verbosity, 'quiet' | 'verbose'>, io: CommandIo): ProgressView {
  if (json) return jsonView(io.stdout);
  if (verbosity.quiet) return { onEvent() {}, close() {} };
  const canRedraw = io.isTTY.stderr && process.env.TERM !== 'dumb' && Boolean(process.env.TERM);
  return canRedraw ? barView(io.stderr, verbosity.verbose) : lineView(io, verbosity.verbose);
}

/** A terminal's stream also knows its width and says when it changes; any other writer is taken as 80 columns. */
type TerminalWriter = Writer & Partial<Pick<NodeJS.WriteStream, 'columns' | 'on' | 'off'>>;

function tally() {
  const counts = emptyCounts();
  let total = 0;
  let startedAt = Date.now();
  return {
    counts,
    get total() {
      return Math.max(total, this.handled); // rows added to the CSV since the campaign started are sent too
    },
    get startedAt() {
      return startedAt;
    },
    get handled() {
      return counts.sent + counts.failed + counts.deferred + counts.skipped + counts.in_doubt;
    },
    /** Messages per second over this run so far. */
    get rate() {
      const seconds = (Date.now() - startedAt) / 1000;
      return seconds >= 1 ? Math.round(((counts.sent + counts.failed) / seconds) * 10) / 10 : undefined;
    },
    apply(event: RunEvent) {
      if (event.type === 'start') {
        total = event.toSend;
        startedAt = Date.now();
      } else if (event.type === 'recipient') counts[event.outcome]++;
    },
  };
}

/** The events as snake_case JSON, each once; a progress line at most every second and once at the end. */
function jsonView(stdout: Writer): ProgressView {
  const state = tally();
  let lastProgress = 0;
  let lastHandled = -1;
  const write = (object: object) => stdout.write(JSON.stringify(object) + '\n');
  const progress = () => {
    lastProgress = Date.now();
    lastHandled = state.handled;
    write({ type: 'progress', ...state.counts, handled: state.handled, total: state.total, rate_per_second: state.rate ?? 0 });
  };
  return {
    onEvent(event) {
      state.apply(event);
      if (event.type === 'end' && state.handled !== lastHandled) progress();
      write(jsonEvent(event));
      if (event.type === 'recipient' && Date.now() - lastProgress >= 1000) progress();
    },
    close() {},
  };
}

function jsonEvent(event: RunEvent): object {
  switch (event.type) {
    case 'start':
      return {
        type: 'start',
        schema_version: eventSchemaVersion,
        campaign: event.campaign,
        via: event.via,
        recipients: event.recipients,
        already_done: event.alreadyDone,
        to_send: event.toSend,
      };
    case 'end':
      return { type: 'end', status: event.status, reason: event.reason, paused_until: event.pausedUntil };
    default:
      return event;
  }
}

function startLine(event: Extract<RunEvent, { type: 'start' }>): string {
  return `sending "${event.campaign}" via ${event.via}: ${event.toSend} to send, ${event.alreadyDone} already done`;
}

function recipientLine(event: Extract<RunEvent, { type: 'recipient' }>): string {
  const shown = (text: string) => terminalSafe(JSON.stringify(text).slice(1, -1));
  return `${event.outcome} ${shown(event.to)}${event.detail ? ` — ${shown(event.detail)}` : ''}`;
}

/** The bar and as many whole fields as fit the terminal's width. */
function barFrame(state: ReturnType<typeof tally>, eta: EtaEstimate | undefined, limits: string | undefined, columns: number): string {
  const left = eta?.remainingMs(Date.now(), state.handled, state.total);
  const fields = [
    `${state.handled}/${state.total}`,
    `sent ${state.counts.sent}`,
    `failed ${state.counts.failed}`,
    ...(state.counts.deferred ? [`deferred ${state.counts.deferred}`] : []),
    ...(left === undefined ? [] : [`ETA ${formatEta(left)}`]),
    ...(state.rate === undefined ? [] : [`${state.rate}/s`]),
    ...(limits ? [limits] : []),
  ];
  return fitLine(columns, state.total ? state.handled / state.total : 0, fields);
}

function barView(stream: TerminalWriter, verbose: boolean): ProgressView {
  const state = tally();
  let eta: EtaEstimate | undefined;
  let limits: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let drawn = false;
  let lastDraw = 0;
  const draw = () => {
    lastDraw = Date.now();
    stream.write(`\r${barFrame(state, eta, limits, stream.columns || 80)}\x1b[K`);
    drawn = true;
  };
  /** Prints a line above the bar. */
  const say = (line: string) => {
    stream.write(`${drawn ? '\r\x1b[K' : ''}mailshot: ${line}\n`);
    if (timer) draw();
  };
  const onResize = () => timer && draw();
  const showCursor = () => stream.write('\x1b[?25h'); // also when a second Ctrl-C exits at once
  return {
    onEvent(event) {
      state.apply(event);
      if (event.type === 'start' && event.toSend > 0) {
        say(startLine(event));
        eta = new EtaEstimate(Date.now());
        stream.write('\x1b[?25l'); // hide the cursor while the bar is drawn
        stream.on?.('resize', onResize);
        process.on('exit', showCursor);
        timer = setInterval(draw, 1000).unref();
        draw();
      } else if (event.type === 'recipient') {
        if (verbose) say(recipientLine(event));
        else if (timer && Date.now() - lastDraw >= 100) draw();
      } else if (event.type === 'limits') {
        limits = formatLimits(event);
        if (verbose) say(describeLimits(event));
      } else if (event.type === 'end') this.close();
    },
    close() {
      if (!timer) return;
      clearInterval(timer);
      timer = undefined;
      draw(); // the final count, once
      stream.write('\n');
      showCursor();
      stream.off?.('resize', onResize);
      process.off('exit', showCursor);
    },
  };
}

function lineView(io: CommandIo, verbose: boolean): ProgressView {
  const state = tally();
  const say = (line: string) => notice(io, line);
  const print = () =>
    say(
      `${state.handled}/${state.total} handled (sent ${state.counts.sent}, failed ${state.counts.failed}, deferred ${state.counts.deferred})${state.rate === undefined ? '' : `, ${state.rate}/s`}`,
    );
  let timer: NodeJS.Timeout | undefined;
  return {
    onEvent(event) {
      state.apply(event);
      if (event.type === 'start' && event.toSend > 0) {
        say(startLine(event));
        timer = setInterval(print, 5000).unref();
      } else if (event.type === 'recipient' && verbose) say(recipientLine(event));
      else if (event.type === 'limits') say(describeLimits(event));
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
