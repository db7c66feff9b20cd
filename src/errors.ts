/** Exit codes promised in docs/design.md ("Exit codes") and the README. */
export const ExitCode = {
  done: 0,
  mustFix: 1,
  badInput: 2,
  later: 75,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the user can act on: its message is printed as is, without a stack trace. */
export class MailshotError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad usage or invalid input: nothing was sent, nothing was written. */
export class InputError extends MailshotError {
  constructor(message: string) {
    super(message, ExitCode.badInput);
  }
}

/** Stopped by something the user must fix (credentials, settings, a full disk). */
export class StopError extends MailshotError {
  constructor(message: string) {
    super(message, ExitCode.mustFix);
  }
}

/** Nothing wrong, but the work is not finished: paused, deferred, scheduled or locked. Run `resume` later. */
export class LaterError extends MailshotError {
  constructor(message: string) {
    super(message, ExitCode.later);
  }
}
