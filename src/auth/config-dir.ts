import os from 'node:os';
import path from 'node:path';

/** The config folder: MAILSHOT_CONFIG_DIR, else $XDG_CONFIG_HOME/mailshot, else ~/.config/mailshot. */
export function configDir(): string {
  if (process.env.MAILSHOT_CONFIG_DIR) return path.resolve(process.env.MAILSHOT_CONFIG_DIR);
  const base = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'mailshot');
}
