import { existsSync } from 'node:fs';
import type { Counts, RunStatus } from '../status.js';
import { onPath, spawnDetached, type Runner } from './commands.js';

export interface RunNotice {
  event: RunStatus;
  campaign: string;
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
}

/**
 * Tells the person how a run ended: a desktop notification where there is a desktop (macOS Notification
 * Center; notify-send under X11/Wayland), nothing where there is none (cron on a server), and the user's
 * own command if given.
 */
export function notifyRunEnd(notice: RunNotice, options: NotifyOptions = {}): void {
  const env = options.env ?? process.env;
  const run = options.run ?? spawnDetached;
  const desktop = desktopNotification(notice, options.platform ?? process.platform, env, options.has ?? ((command) => onPath(command, env.PATH)));
  if (desktop) run(desktop.command, desktop.args);
  if (options.command) {
    run('/bin/sh', ['-c', options.command], {
      ...env,
      MAILSHOT_EVENT: notice.event,
      MAILSHOT_CAMPAIGN: notice.campaign,
      MAILSHOT_FILE: notice.file,
      MAILSHOT_REASON: notice.reason,
      MAILSHOT_SENT: String(notice.counts.sent),
      MAILSHOT_FAILED: String(notice.counts.failed),
      MAILSHOT_DEFERRED: String(notice.counts.deferred),
      MAILSHOT_SKIPPED: String(notice.counts.skipped),
    });
  }
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
  if (platform === 'linux' && desktop && has('notify-send') && (env.DBUS_SESSION_BUS_ADDRESS || existsSync(`/run/user/${process.getuid?.()}/bus`))) {
    return { command: 'notify-send', args: ['--app-name=mailshot', title, body] };
  }
  return undefined;
}

/** An AppleScript string literal. */
function appleString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
