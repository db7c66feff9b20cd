import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CronSetup {
  campaignFile: string;
  stateDir?: string;
  log: string;
  everyMinutes: number;
}

/**
 * A crontab line that resumes the campaign: absolute paths throughout (cron starts in $HOME with a
 * minimal PATH), this very Node binary, and output appended to a log. `resume` is quiet when there is
 * nothing to do, so the log only grows when something happens.
 */
export function cronLine(setup: CronSetup): string {
  const mailshot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mailshot.js');
  const pathVariable = [...new Set([path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'])].join(':');
  const state = setup.stateDir ? ` --state ${quote(setup.stateDir)}` : '';
  const schedule = setup.everyMinutes >= 60 ? `0 */${Math.floor(setup.everyMinutes / 60)} * * *` : `*/${setup.everyMinutes} * * * *`;
  return (
    `${schedule} cd ${quote(path.dirname(setup.campaignFile))} && PATH=${quote(pathVariable)} ` +
    `${quote(process.execPath)} ${quote(mailshot)} campaign resume ${quote(setup.campaignFile)}${state} >> ${quote(setup.log)} 2>&1`
  );
}

/** A shell word in single quotes. */
export function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
