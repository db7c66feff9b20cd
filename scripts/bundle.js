/**
 * The CLI as bin/mailshot.js runs it: src/ bundled by esbuild into dist/bundle/ (ES modules, code
 * splitting), so that start-up reads a few files instead of one per source module, and each command's
 * code (and the packages it imports) still loads only when the command runs. `tsc` type-checks and emits
 * dist/ for the diagnosis tools in bench/.
 */
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'bundle');

// yaml and zod are hundreds of small module files each, read by every command that loads a campaign: bundled
// (into the chunks of those commands only) they load as one file each. A CommonJS package imported from node_modules
// costs more than its code bundled (liquidjs: ~60 ms more in `campaign validate`, commander ~10 ms in every command),
// so those on the start-up paths are bundled too, and mailauth (with joi, libmime, tldts …), which the deliverability check
// before a first send loads (~30 ms less CPU before the first message), and conf (with ajv and semver), which opens the
// accounts for a send (~60 ms less). The other packages load from node_modules.
const inBundle = new Set([
  'yaml',
  'zod',
  'html-to-text',
  'htmlparser2',
  'csv-parse',
  'validator',
  'marked',
  'liquidjs',
  'commander',
  'nodemailer',
  'mailauth',
  'conf',
]);
const { dependencies } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
const external = Object.keys(dependencies)
  .filter((name) => !inBundle.has(name))
  .flatMap((name) => [name, `${name}/*`]);

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  chunkNames: 'chunks/[name]-[hash]',
  // yaml's Node build is CommonJS and requires Node's modules: give the bundle a require() to do it with
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
});
