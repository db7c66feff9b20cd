/**
 * Installs mailshot as a user does: `npm pack`, then `npm install -g` of the tarball into an empty
 * prefix, and runs the installed command from a folder outside the repository.
 */
import { execFile } from 'node:child_process';
import { cp, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, tempDir } from './helpers/cli.js';

const run = promisify(execFile);

test('the packed tarball installs into a clean prefix and sends the bundled example through the outbox', async () => {
  const work = await tempDir('mailshot-pack-');
  // `npm test` has built dist/ already; --ignore-scripts keeps prepack from rebuilding it under running tests.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: repoRoot });
  const [{ filename, files }] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  const shipped = files.map((file) => file.path);
  expect(shipped).toEqual(
    expect.arrayContaining(['bin/mailshot.js', 'dist/cli.js', 'LICENSE', 'README.md', 'examples/welcome/campaign.yaml']),
  );
  expect(shipped.filter((file) => /^(src|test|bench)\/|\.mailshot\//.test(file))).toEqual([]);

  const prefix = path.join(work, 'prefix');
  // A first install fills npm's cache with what `npm ci` leaves out (the packages' metadata); the second, into
  // the clean prefix, from a folder outside the repository, uses that cache alone (--offline) and prints no
  // warning (the published package has no install-time script for npm to ask about).
  const warmPrefix = path.join(work, 'warm');
  await run('npm', ['install', '-g', '--prefix', warmPrefix, '--no-audit', '--no-fund', '--prefer-offline', `./${filename}`], {
    cwd: work,
  });
  const install = await run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--offline', `./${filename}`], {
    cwd: work,
  });
  expect(install.stderr).not.toMatch(/warn|error/i);
  const manifest = JSON.parse(await readFile(path.join(prefix, 'lib', 'node_modules', 'mailshot', 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  expect(Object.keys(manifest.scripts ?? {}).filter((name) => /^(pre|post)?(install|prepare)$/.test(name))).toEqual([]);
  const mailshot = path.join(prefix, 'bin', 'mailshot');
  const user = path.join(work, 'user');
  await cp(path.join(prefix, 'lib', 'node_modules', 'mailshot', 'examples', 'welcome'), user, { recursive: true });
  const env = { ...process.env, MAILSHOT_CONFIG_DIR: path.join(work, 'config') };
  const version = await run(mailshot, ['--version'], { cwd: user, env });
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  const validate = await run(mailshot, ['campaign', 'validate', 'campaign.yaml'], { cwd: user, env });
  expect(validate.stdout).toContain('OK — 34 recipient(s) to send');
  const send = await run(mailshot, ['campaign', 'send', 'campaign.yaml'], { cwd: user, env });
  expect(send.stderr).not.toMatch(/unexpected error/i);
  expect(await readdir(path.join(user, '.mailshot', 'campaign.yaml', 'outbox'))).toHaveLength(34);
}, 240_000);
