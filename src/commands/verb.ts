import type { Command } from 'commander';
import type { Command as TypedCommand } from '@commander-js/extra-typings';
import { processIo, type CommandIo } from './io.js';

/** One run of the program: the streams its command writes to, and the exit code the command returned. */
export interface Session {
  io: CommandIo;
  exitCode: number;
}

const sessions = new WeakMap<object, Session>();

/** A command as far as finding its program goes (commander's or its typed twin). */
interface InProgram {
  readonly parent: InProgram | null;
}

/** Gives the program's commands these streams; the session keeps the exit code its command returns. */
export function withSession(program: Command, io: CommandIo): Session {
  const session = { io, exitCode: 0 };
  sessions.set(program, session);
  return session;
}

/** The session of the program a command belongs to; a command outside one runs in the process's streams. */
function sessionOf(command: InProgram): Session {
  for (let at: InProgram | null = command; at; at = at.parent) {
    const session = sessions.get(at);
    if (session) return session;
  }
  return { io: processIo(), exitCode: 0 };
}

/** A command: what it does with its options, in the streams it is given; a number it returns is the exit code. */
export type Run<O> = (options: O, io: CommandIo) => Promise<number | void>;

/**
 * The same commander command, typed by @commander-js/extra-typings (whose runtime is commander's own classes):
 * an action's arguments and options get the types their flags declare, so a renamed flag fails to compile.
 */
export function typed(command: Command): TypedCommand {
  return command as unknown as TypedCommand;
}

/** An action that runs the command with the options made of the arguments, in its session's streams, and keeps the exit code it returns. */
export function runsWith<A extends unknown[], O>(run: Run<O>, options: (...args: A) => O) {
  // Commander calls an action with the command as `this`.
  return async function (this: InProgram, ...args: A): Promise<void> {
    const session = sessionOf(this);
    const code = await run(options(...args), session.io);
    if (typeof code === 'number') session.exitCode = code;
  };
}

/**
 * The flags of a command, checked to be exactly the options `O` names (less its arguments): a flag renamed,
 * added or dropped on one side only fails to compile, where `{ ...flags }` would let it through.
 */
export function exactly<O>() {
  return <F extends O>(flags: F & Record<Exclude<keyof F, keyof O>, never> & Record<Exclude<keyof O, keyof F>, never>): O => flags;
}
