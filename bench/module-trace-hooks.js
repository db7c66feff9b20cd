/** Loader hooks of bench/module-trace.js: reports each resolved file: URL on stderr. */
import { fileURLToPath } from 'node:url';
import { writeTraceLine } from './module-trace-write.js';

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (result.url?.startsWith('file:')) writeTraceLine(`bench-module: ${fileURLToPath(result.url)}\n`);
  return result;
}
