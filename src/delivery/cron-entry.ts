import path from 'node:path';
import { configDir } from '../auth/config-dir.js';
import { InputError } from '../errors.js';
import { readState, statePaths } from '../store/state.js';
import { bouncesCronLine, cronLine } from '../system/cron.js';

/** Variables a cron run needs from this shell: cron starts with almost none. */
const carried = [
  'MAILSHOT_CONFIG_DIR',
  'MAILSHOT_SECRET_STORE',
  'MAILSHOT_GMAIL_API_URL',
  'MAILSHOT_GOOGLE_TOKEN_URL',
  'MAILSHOT_GRAPH_API_URL',
  'MAILSHOT_MS_AUTHORITY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'NODE_EXTRA_CA_CERTS',
];

/**
 * `campaign cron`: the crontab line that resumes this campaign every few minutes, logging to cron.log in its
 * state folder, with the config folder and the settings of this shell; only for a campaign that has been started.
 */
export async function resumeCronLine(file: string, stateDir: string | undefined, everyMinutes: number): Promise<string> {
  const campaignFile = path.resolve(file);
  const paths = statePaths(campaignFile, stateDir);
  if (!(await readState(paths))) {
    throw new InputError(
      `${file} has not been started (no state in ${paths.dir}): run \`mailshot campaign send ${file}\` (with --at to start later) first, then add the cron line`,
    );
  }
  return cronLine({
    campaignFile,
    stateDir: stateDir && paths.dir,
    log: path.join(paths.dir, 'cron.log'),
    everyMinutes,
    env: cronEnvironment(),
  });
}

/** The settings of this shell a cron run needs; MAILSHOT_CONFIG_DIR names the folder itself, so XDG_CONFIG_HOME need not be carried. */
function cronEnvironment(): Record<string, string> {
  const env: Record<string, string> = { MAILSHOT_CONFIG_DIR: configDir() };
  for (const name of carried) if (process.env[name] && !(name in env)) env[name] = process.env[name]!;
  return env;
}

/** `campaign cron --bounces ACCOUNT`: the hourly `bounces check` line, logging to bounces.log in the campaign's state folder. */
export function bouncesCheckCronLine(file: string, stateDir: string | undefined, account: string): string {
  return bouncesCronLine(account, path.join(statePaths(path.resolve(file), stateDir).dir, 'bounces.log'), cronEnvironment());
}
