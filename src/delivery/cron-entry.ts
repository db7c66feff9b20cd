import path from 'node:path';
import { statePaths } from '../store/state.js';
import { cronLine } from '../system/cron.js';

/** `campaign cron`: the crontab line that resumes this campaign every few minutes, logging to cron.log in its state folder. */
export function resumeCronLine(file: string, stateDir: string | undefined, everyMinutes: number): string {
  const campaignFile = path.resolve(file);
  const paths = statePaths(campaignFile, stateDir);
  return cronLine({ campaignFile, stateDir: stateDir && paths.dir, log: path.join(paths.dir, 'cron.log'), everyMinutes });
}
