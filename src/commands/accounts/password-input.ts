import { InputError } from '../../errors.js';
import type { CommandIo } from '../io.js';

/** `--password-stdin`: the first line of standard input, without its line end. */
export async function readPasswordStdin(io: CommandIo): Promise<string> {
  const password = (await io.readStdin()).replace(/\r?\n$/, '');
  if (!password) throw new InputError('--password-stdin: standard input was empty');
  return password;
}
