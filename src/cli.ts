import { processIo } from './commands/io.js';
import { mailshot } from './commands/program.js';
import { guardOutput } from './system/output.js';

// The process: the program (commands/program.ts, the list of verbs) on the process's own streams and arguments.
guardOutput();
process.exitCode = await mailshot(process.argv.slice(2), processIo());
