// typescript-eslint needs TypeScript's JavaScript API, which TypeScript 7 (the compiler this project builds
// and type-checks with) no longer ships. In the lint process only, `typescript` resolves to TypeScript 6
// (the devDependency `typescript-api`), which has it.
const Module = require('node:module');

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === 'typescript' ? 'typescript-api' : request, ...rest);
};
