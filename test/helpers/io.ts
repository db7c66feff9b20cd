/** A fake terminal for commands run in-process (src/commands/io.ts): what they print on each stream and what they ask. */
import type { CommandIo } from '../../src/commands/io.js';

export interface FakeIo extends CommandIo {
  out: string;
  err: string;
  asked: { question: string; secret?: boolean }[];
}

/** Streams that collect what is written; every prompt is answered `answer`; `tty` makes stdin and stderr (and `stdout`, stdout) terminals. */
export function fakeIo(options: { tty?: boolean; stdout?: boolean; answer?: string; stdin?: string } = {}): FakeIo {
  const io: FakeIo = {
    out: '',
    err: '',
    asked: [],
    stdout: { write: (chunk) => (io.out += chunk.toString()) },
    stderr: { write: (chunk) => (io.err += chunk.toString()) },
    isTTY: {
      stdin: options.tty ?? false,
      stderr: options.tty ?? false,
      ...(options.stdout === undefined ? {} : { stdout: options.stdout }),
    },
    prompt: async (question, { secret } = {}) => {
      io.asked.push({ question, secret });
      return options.answer ?? '';
    },
    readStdin: async () => options.stdin ?? '',
  };
  return io;
}

/**
 * For commands run in-process: every test of the file gets `process.env` back as it was, with what `before`
 * returns (a fresh config folder, say) set before each.
 */
export function isolatedEnv(before?: () => Promise<NodeJS.ProcessEnv>): void {
  const saved = { ...process.env };
  if (before) beforeEach(async () => void Object.assign(process.env, await before()));
  afterEach(() => {
    process.env = { ...saved };
  });
}
