import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { CommandIo } from './io.js';
import { runsWith, typed } from './verb.js';
import { makeFolder } from '../system/make-folder.js';

export interface InitOptions {
  /** Folder to write the starter campaign in (created if missing). */
  dir: string;
}

/** `mailshot init [DIR]`. */
export function define(program: Command): void {
  typed(program.command('init'))
    .description('write a small working campaign (campaign.yaml, body.md, recipients.csv) to start from')
    .argument('[dir]', 'folder to write it in (created if missing)', '.')
    .addHelpText('after', '\nExamples:\n  $ mailshot init newsletter\n  $ mailshot campaign validate newsletter/campaign.yaml')
    .action(runsWith(run, (dir) => ({ dir })));
}

/** `mailshot init`: a small working campaign (campaign.yaml, body.md, recipients.csv) to start from; never overwrites. */
export async function run(options: InitOptions, io: CommandIo): Promise<void> {
  const { dir } = options;
  const { starterFiles } = await import('../campaign/starter.js');
  await makeFolder(dir).catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`cannot create the folder ${dir}: ${error.message}`);
  });
  const names = Object.keys(starterFiles);
  // Check all first, so a refusal leaves nothing half-written; 'wx' still refuses a file that appears meanwhile.
  const existing = names.filter((name) => existsSync(path.join(dir, name)));
  if (existing.length)
    throw new InputError(
      `${existing.map((name) => path.join(dir, name)).join(', ')} already exist(s); init never overwrites: choose an empty folder`,
    );
  for (const name of names) {
    await writeFile(path.join(dir, name), starterFiles[name]!, { flag: 'wx', mode: 0o644 }).catch((error: NodeJS.ErrnoException) => {
      throw new InputError(`cannot write ${path.join(dir, name)}: ${error.message}`);
    });
  }
  const file = path.join(dir, 'campaign.yaml');
  io.stdout.write(
    `Wrote ${names.map((name) => path.join(dir, name)).join(', ')}\nNext: edit them, then\n  mailshot campaign validate ${file}\n  mailshot campaign preview ${file}\n  mailshot campaign send ${file}     (to the outbox folder until you set "via")\n`,
  );
}
