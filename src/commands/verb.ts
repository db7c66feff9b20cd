import type { Command } from 'commander';
import type { Command as TypedCommand } from '@commander-js/extra-typings';
import { processIo, type CommandIo } from './io.js';

/** A command: what it does with its options, in the streams it is given; a number it returns is the exit code. */
export type Run<O> = (options: O, io: CommandIo) => Promise<number | void>;

/**
 * The same commander command, typed by @commander-js/extra-typings (whose runtime is commander's own classes):
 * an action's arguments and options get the types their flags declare, so a renamed flag fails to compile.
 */
export function typed(command: Command): TypedCommand {
  return command as unknown as TypedCommand;
}

/** An action that runs the command with the options made of the arguments and keeps the exit code it returns. */
export function runsWith<A extends unknown[], O>(run: Run<O>, options: (...args: A) => O) {
  return async (...args: A): Promise<void> => {
    const code = await run(options(...args), processIo());
    if (typeof code === 'number') process.exitCode = code;
  };
}

/**
 * The flags of a command, checked to be exactly the options `O` names (less its arguments): a flag renamed,
 * added or dropped on one side only fails to compile, where `{ ...flags }` would let it through.
 */
export function exactly<O>() {
  return <F extends O>(flags: F & Record<Exclude<keyof F, keyof O>, never> & Record<Exclude<keyof O, keyof F>, never>): O => flags;
}
