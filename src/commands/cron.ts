import path from 'node:path';
import { InputError } from '../errors.js';

export interface CronFlags {
  every: number;
  state?: string;
}

/** Variables a cron run needs from this shell: cron starts with almost none. */
const carried = ['MAILSHOT_CONFIG_DIR', 'MAILSHOT_SECRET_STORE', 'XDG_CONFIG_HOME', 'MAILSHOT_GMAIL_API_URL', 'MAILSHOT_GOOGLE_TOKEN_URL', 'MAILSHOT_GRAPH_API_URL', 'MAILSHOT_MS_AUTHORITY', 'HTTPS_PROXY', 'NO_PROXY', 'NODE_EXTRA_CA_CERTS'];

/** `campaign cron FILE`: prints the crontab line for a campaign that has been started. */
export async function printCronLine(file: string, flags: CronFlags): Promise<void> {
  const [{ cronLine }, { stateLocation }, { configDir }] = await Promise.all([import('../system/cron.js'), import('../report/summary.js'), import('../accounts/config-dir.js')]);
  const campaignFile = path.resolve(file);
  const state = await stateLocation(campaignFile, flags.state);
  if (!state.started) {
    throw new InputError(`${file} has not been started (no state in ${state.dir}): run \`mailshot campaign send ${file}\` (with --at to start later) first, then add the cron line`);
  }
  const env: Record<string, string> = { MAILSHOT_CONFIG_DIR: configDir() };
  for (const name of carried) if (process.env[name] && !(name in env)) env[name] = process.env[name]!;
  delete env.XDG_CONFIG_HOME; // MAILSHOT_CONFIG_DIR names the folder itself
  process.stdout.write(cronLine({ campaignFile, stateDir: flags.state && state.dir, log: path.join(state.dir, 'cron.log'), everyMinutes: flags.every, env }) + '\n');
}
