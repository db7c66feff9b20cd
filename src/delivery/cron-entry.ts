import path from 'node:path';
import { configDir } from '../auth/config-dir.js';
import { InputError } from '../errors.js';
import { readState, statePaths } from '../store/state.js';
import { bouncesCronLine, cronLine, envFileText } from '../system/cron.js';
import { holdsPassword, proxyPasswordWarning } from '../system/http.js';
import { writeOwnerOnly } from '../system/owner-only.js';
import { makeFolder } from '../system/make-folder.js';

/** Variables a cron run needs from this shell: cron starts with almost none. */
const carried = [
  'MAILSHOT_CONFIG_DIR',
  'MAILSHOT_SECRET_STORE',
  'MAILSHOT_GMAIL_API_URL',
  'MAILSHOT_GOOGLE_TOKEN_URL',
  'MAILSHOT_GRAPH_API_URL',
  'MAILSHOT_MS_AUTHORITY',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
];

/** What goes into the crontab line, and the owner-only file it reads for the variables that hold a secret. */
interface CronEnvironment {
  env: Record<string, string>;
  envFile?: string;
}

/**
 * `campaign cron`: the crontab line that resumes this campaign every few minutes, logging to cron.log in its
 * state folder, with the config folder and the settings of this shell; only for a campaign that has been started.
 */
export async function resumeCronLine(
  file: string,
  stateDir: string | undefined,
  everyMinutes: number,
  warn: (message: string) => void,
): Promise<string> {
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
    ...(await cronEnvironment(warn)),
  });
}

/**
 * The settings of this shell a cron run needs; MAILSHOT_CONFIG_DIR names the folder itself, so XDG_CONFIG_HOME
 * need not be carried. A value holding a password (a proxy URL with user:password@) never goes into the line:
 * it goes to cron.env in the config folder, owner-only, which the line reads.
 */
async function cronEnvironment(warn: (message: string) => void): Promise<CronEnvironment> {
  const env: Record<string, string> = { MAILSHOT_CONFIG_DIR: configDir() };
  const secret: Record<string, string> = {};
  for (const name of carried) {
    const value = process.env[name];
    if (value && !(name in env)) (holdsPassword(value) ? secret : env)[name] = value;
  }
  if (!Object.keys(secret).length) return { env };
  const envFile = path.join(configDir(), 'cron.env');
  await makeFolder(configDir(), 0o700);
  await writeOwnerOnly(envFile, envFileText(secret));
  warn(
    `${proxyPasswordWarning() ?? 'a proxy URL holds a password'}; the line reads ${Object.keys(secret).join(', ')} from ${envFile}, written now`,
  );
  return { env, envFile };
}

/** `campaign cron --bounces ACCOUNT`: the hourly `bounces check` line, logging to bounces.log in the campaign's state folder. */
export async function bouncesCheckCronLine(
  file: string,
  stateDir: string | undefined,
  account: string,
  warn: (message: string) => void,
): Promise<string> {
  const { env, envFile } = await cronEnvironment(warn);
  return bouncesCronLine(account, path.join(statePaths(path.resolve(file), stateDir).dir, 'bounces.log'), env, envFile);
}
