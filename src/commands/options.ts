import { InvalidArgumentError } from 'commander';

/** Commander argument parser for a whole number ≥ min. */
export function wholeNumber(min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min) {
      throw new InvalidArgumentError(`expected a whole number${min > 0 ? ` of at least ${min}` : ''}, got "${value}"`);
    }
    return Number(value);
  };
}

export function oneOf<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!choices.includes(value as T)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${value}"`);
    return value as T;
  };
}

/** Warnings and notices go to stderr, prefixed, so stdout stays machine-readable. */
export function warn(message: string): void {
  process.stderr.write(`mailshot: warning: ${message}\n`);
}

export function notice(message: string): void {
  process.stderr.write(`mailshot: ${message}\n`);
}
