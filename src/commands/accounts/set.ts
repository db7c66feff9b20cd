import { InputError } from '../../errors.js';
import { notice, type CommandIo } from '../io.js';
import type { AccountLimits } from '../../accounts/account.js';
import { limitsFrom } from '../options.js';
import { describeLimits } from './describe.js';

export interface SetOptions extends AccountLimits {
  name: string;
}

/** Changes an account's sending limits. */
export async function run(options: SetOptions, io: CommandIo): Promise<void> {
  const limits = limitsFrom(options);
  if (Object.values(limits).every((value) => value === undefined)) {
    throw new InputError('name at least one limit to change: --max-concurrent, --rate, --daily-limit or --per-connection');
  }
  const { setAccountLimits } = await import('../../accounts/limits.js');
  notice(io, `limits of "${options.name}": ${describeLimits(await setAccountLimits(options.name, limits)) || 'defaults'}`);
}
