import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { StopError } from '../errors.js';
import { acquireLock } from './lock.js';
import { stateFolderAdvice, type StatePaths } from './state.js';

/**
 * Moves a campaign's state folder aside, never deleting it: `<folder>.<why>-<time>` beside it.
 * Taken under the campaign's lock, so a run in progress is never moved from under its feet.
 * Returns where the folder went.
 */
export async function setStateAside(paths: StatePaths, why: 'rehearsal' | 'reset'): Promise<string> {
  const release = await acquireLock(paths.lock);
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const destination = `${paths.dir}.${why}-${stamp}`;
  try {
    await rename(paths.dir, destination);
  } catch (error) {
    await release();
    throw new StopError(`cannot move ${paths.dir} to ${destination}: ${(error as Error).message}; ${stateFolderAdvice}`);
  }
  await rm(path.join(destination, path.basename(paths.lock)), { force: true });
  return destination;
}
