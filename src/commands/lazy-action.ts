import { processIo, type CommandIo } from './io.js';

type Run<O> = (options: O, io: CommandIo) => Promise<number | void>;

/** An action that loads the command, runs it with the options made of the arguments, and keeps the exit code it returns. */
export function runs<A extends unknown[], O>(load: () => Promise<{ run: Run<O> }>, options: (...args: A) => O) {
  return async (...args: A) => {
    const { run } = await load();
    const code = await run(options(...args), processIo());
    if (typeof code === 'number') process.exitCode = code;
  };
}
