import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Counts, RunStatus } from '../status.js';
import { onPath, spawnDetached, type Runner } from './commands.js';

export interface RunNotice {
  event: RunStatus;
  /** The campaign's name. */
  campaign: string;
  /** The campaign file, absolute. */
  file: string;
  reason: string;
  counts: Counts;
}

export interface NotifyOptions {
  /** `--notify-command`: run through the shell with the outcome in MAILSHOT_* variables. */
  command?: string;
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  run?: Runner;
  /** Whether a program exists (injected in tests). */
  has?: (command: string) => boolean;
  /** false with --quiet: no desktop notification (the user's own command still runs). */
  desktop?: boolean;
  /** Where a failing --notify-command is reported. */
  warn?: (message: string) => void;
}

/** A --notify-command still running after this is left to finish on its own. */
const commandWaitMs = 30_000;

/**
 * Tells the person how a run ended: a desktop notification where there is a desktop (macOS Notification
 * Center; notify-send under X11/Wayland), nothing where there is none (cron on a server), and the user's
 * own command if given.
 */
export async function notifyRunEnd(notice: RunNotice, options: NotifyOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const run = options.run ?? spawnDetached;
  const has = options.has ?? ((command: string) => onPath(command, env.PATH));
  const desktop = options.desktop === false ? undefined : desktopNotification(notice, options.platform ?? process.platform, env, has);
  if (desktop) run(desktop.command, desktop.args);
  if (options.command) await runNotifyCommand(options.command, { ...env, ...noticeVariables(notice) }, options.warn ?? (() => undefined));
}

function noticeVariables(notice: RunNotice): Record<string, string> {
  return {
    MAILSHOT_EVENT: notice.event,
    MAILSHOT_CAMPAIGN: notice.campaign,
    MAILSHOT_FILE: notice.file,
    MAILSHOT_REASON: notice.reason,
    MAILSHOT_SENT: String(notice.counts.sent),
    MAILSHOT_FAILED: String(notice.counts.failed),
    MAILSHOT_DEFERRED: String(notice.counts.deferred),
    MAILSHOT_SKIPPED: String(notice.counts.skipped),
  };
}

/** Runs the user's command through the shell and waits for it: a failure is a warning with its exit status, never silent. */
function runNotifyCommand(command: string, env: NodeJS.ProcessEnv, warn: (message: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-500)));
    const timer = setTimeout(() => {
      warn(`--notify-command is still running after ${commandWaitMs / 1000} s; not waiting for it`);
      child.unref();
      resolve();
    }, commandWaitMs);
    const done = (message?: string) => {
      clearTimeout(timer);
      if (message) warn(message);
      resolve();
    };
    child.on('error', (error) => done(`--notify-command could not start: ${error.message}`));
    child.on('close', (code, signal) => {
      const said = stderr.trim().split('\n').at(-1);
      if (signal) done(`--notify-command was killed by ${signal}`);
      else if (code === 127) done(`--notify-command failed: command not found (exit status 127)${said ? `: ${said}` : ''}`);
      else if (code) done(`--notify-command failed with exit status ${code}${said ? `: ${said}` : ''}`);
      else done();
    });
  });
}

export function desktopNotification(
  notice: RunNotice,
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
  has: (command: string) => boolean,
): { command: string; args: string[] } | undefined {
  const title = `mailshot: "${notice.campaign}" ${notice.event}`;
  const body = `sent ${notice.counts.sent}, failed ${notice.counts.failed}${notice.event === 'done' ? '' : ` — ${notice.reason}`}`;
  if (platform === 'darwin' && has('osascript')) {
    return { command: 'osascript', args: ['-e', `display notification ${appleString(body)} with title ${appleString(title)}`] };
  }
  const desktop = env.DISPLAY || env.WAYLAND_DISPLAY;
  if (
    platform === 'linux' &&
    desktop &&
    has('notify-send') &&
    (env.DBUS_SESSION_BUS_ADDRESS || existsSync(`/run/user/${process.getuid?.()}/bus`))
  ) {
    return { command: 'notify-send', args: ['--app-name=mailshot', title, body] };
  }
  return undefined;
}

/** An AppleScript string literal. */
function appleString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
