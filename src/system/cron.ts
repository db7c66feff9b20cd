import path from 'node:path';
import { InputError } from '../errors.js';
import { packageRoot } from './package-root.js';

export interface CronSetup {
  campaignFile: string;
  stateDir?: string;
  log: string;
  everyMinutes: number;
  /** Variables the run needs that cron's bare environment lacks (MAILSHOT_CONFIG_DIR, the secret store …). */
  env?: Record<string, string>;
  /** An owner-only file of `export NAME='value'` lines the line reads: variables that hold a secret. */
  envFile?: string;
}

/** Intervals cron repeats evenly: minutes that divide an hour, hours that divide a day. */
const evenMinutes = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30];
const evenHours = [1, 2, 3, 4, 6, 8, 12, 24];
const expressible = [...evenMinutes, ...evenHours.map((hours) => hours * 60)];

/**
 * A crontab line that resumes the campaign: absolute paths throughout (cron starts in $HOME with a
 * minimal PATH and none of the person's variables), this very Node binary, the settings the run
 * needs, and output appended to a log with a time on each line. `resume` is quiet when there is
 * nothing to do, so the log only grows when something happens.
 */
export function cronLine(setup: CronSetup): string {
  const state = setup.stateDir ? ` --state ${quote(setup.stateDir)}` : '';
  return (
    `${cronSchedule(setup.everyMinutes)} cd ${quote(path.dirname(setup.campaignFile))} && ${mailshotCommand(setup.env, setup.envFile)} ` +
    `campaign resume ${quote(setup.campaignFile)}${state} >> ${quote(setup.log)} 2>&1`
  );
}

/** The second line: `bounces check ACCOUNT` every hour at minute 17 (locked and idempotent, so overlaps and repeats are harmless). */
export function bouncesCronLine(account: string, log: string, env?: Record<string, string>, envFile?: string): string {
  return `17 * * * * ${mailshotCommand(env, envFile)} bounces check ${quote(account)} >> ${quote(log)} 2>&1`;
}

/** Lines of a file `sh` reads with `.`: each variable exported, its value quoted. */
export function envFileText(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}=${quote(value)}\n`)
    .join('');
}

/**
 * This very Node and mailshot, with the variables the run needs and a time on each log line. Secrets come from
 * `envFile`, read by the shell: cron's `sh -c '<line>'` lives as long as the run, and any local user sees its line.
 */
function mailshotCommand(env: Record<string, string> = {}, envFile?: string): string {
  const mailshot = path.join(packageRoot(import.meta.url), 'bin', 'mailshot.js');
  const pathVariable = [...new Set([path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'])].join(':');
  const variables = { PATH: pathVariable, ...env, MAILSHOT_LOG_TIMES: '1' };
  const assignments = Object.entries(variables)
    .map(([name, value]) => `${name}=${quote(value)}`)
    .join(' ');
  return `${envFile ? `. ${quote(envFile)} && ` : ''}${assignments} ${quote(process.execPath)} ${quote(mailshot)}`;
}

/** The five time fields for "every N minutes", or an error offering the nearest intervals cron can keep. */
export function cronSchedule(everyMinutes: number): string {
  if (evenMinutes.includes(everyMinutes)) return `*/${everyMinutes} * * * *`;
  if (everyMinutes === 24 * 60) return '0 0 * * *';
  if (expressible.includes(everyMinutes)) return `0 */${everyMinutes / 60} * * *`;
  const below = expressible.filter((minutes) => minutes < everyMinutes).at(-1);
  const above = expressible.find((minutes) => minutes > everyMinutes);
  const nearest = [below, above]
    .filter((minutes) => minutes !== undefined)
    .map((minutes) => `--every ${minutes}`)
    .join(' or ');
  throw new InputError(
    `--every ${everyMinutes}: cron cannot repeat that evenly (it counts minutes within each hour and hours within each day); use ${nearest}`,
  );
}

/** A shell word in single quotes. */
export function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
