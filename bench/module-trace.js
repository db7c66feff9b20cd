/**
 * Preload for the start-up case (`node --import bench/module-trace.js …`): logs every module file the
 * process loads, ESM and CommonJS, to stderr as `bench-module: <path>`, so the bench can tell which
 * packages a command pulls in. The ESM part is a resolve hook (it runs on the loader thread and
 * writes to fd 2 directly); the CommonJS part wraps Module._load.
 */
import Module, { register } from 'node:module';
import { writeTraceLine } from './module-trace-write.js';

register('./module-trace-hooks.js', import.meta.url);

const load = Module._load;
Module._load = function (request, parent, isMain) {
  try {
    const file = Module._resolveFilename(request, parent, isMain);
    if (file.includes('/')) writeTraceLine(`bench-module: ${file}\n`);
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error; // not resolvable: let the real loader report it
  }
  return load.apply(this, arguments);
};
