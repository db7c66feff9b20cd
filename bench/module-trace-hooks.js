/** Loader hooks of bench/module-trace.js: reports each resolved file: URL on stderr. */
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (result.url?.startsWith('file:')) writeSync(2, `bench-module: ${fileURLToPath(result.url)}\n`);
  return result;
}
