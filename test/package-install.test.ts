/**
 * Installs mailshot as a user does: `npm pack`, then `npm install -g` of the tarball into an empty
 * prefix, and runs the installed command from a folder outside the repository. Then the README's first
 * screen, followed verbatim at a terminal, from a clean prefix to a real send through a stand-in for Gmail.
 */
import { execFile, spawn } from 'node:child_process';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, tempDir } from './helpers/cli.js';
import { certificateFile, smtpServersPerTest } from './helpers/smtp.js';

const run = promisify(execFile);
const startSmtp = smtpServersPerTest();

let work: string;
let filename: string;
let shipped: string[];
beforeAll(async () => {
  work = await tempDir('mailshot-pack-');
  // `npm test` has built dist/ already; --ignore-scripts keeps prepack from rebuilding it under running tests.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: repoRoot });
  const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  filename = packed.filename;
  shipped = packed.files.map((file) => file.path);
  // Fills npm's cache with what `npm ci` leaves out (the packages' metadata), so that installs below need no network.
  await run('npm', ['install', '-g', '--prefix', path.join(work, 'warm'), '--no-audit', '--no-fund', '--prefer-offline', `./${filename}`], {
    cwd: work,
  });
}, 240_000);

test('the packed tarball installs into a clean prefix and sends the bundled example through the outbox', async () => {
  expect(shipped).toEqual(
    expect.arrayContaining([
      'bin/mailshot.js',
      'dist/bundle/cli.js',
      'LICENSE',
      'README.md',
      'docs/json.md',
      'examples/welcome/campaign.yaml',
    ]),
  );
  expect(shipped.filter((file) => /^(src|test|bench)\/|\.mailshot\//.test(file))).toEqual([]);

  const prefix = path.join(work, 'prefix');
  // From a folder outside the repository, from npm's cache alone (--offline), with no warning (the published
  // package has no install-time script for npm to ask about).
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

/** The first shell block of the README: what a newcomer types first. */
async function firstScreen(): Promise<string> {
  const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no ```sh block');
  return block[1];
}

/**
 * Runs a shell script at a terminal (util-linux `script`), answering each prompt when it shows, as a
 * person would; resolves with everything the terminal showed and the exit code.
 */
function atTerminal(script: string, options: { cwd: string; env: NodeJS.ProcessEnv; answers: [RegExp, string][] }) {
  const child = spawn('script', ['-qec', `sh -e ${script}`, '/dev/null'], { cwd: options.cwd, env: options.env });
  let shown = '';
  const answers = [...options.answers];
  child.stdout.on('data', (chunk: Buffer) => {
    shown += chunk.toString('utf8');
    while (answers.length && answers[0][0].test(shown)) {
      shown += '\n';
      child.stdin.write(answers.shift()![1] + '\n');
    }
  });
  return new Promise<{ code: number | null; shown: string }>((resolve) => child.on('close', (code) => resolve({ code, shown })));
}

test("the README's first screen, typed as it stands at a terminal: clean prefix → init → rehearsal → a real send via --service gmail", async () => {
  const block = await firstScreen();
  expect(block).toContain(`npm install -g ./${filename}`);
  const user = 'you@gmail.com';
  const appPassword = 'abcd efgh ijkl mnop';
  const gmail = await startSmtp({ security: 'tls', auth: { user, pass: appPassword } });
  const prefix = path.join(work, 'readme-prefix');
  const script = path.join(work, 'first-screen.sh');
  await writeFile(script, block);
  const env = {
    ...process.env,
    PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}`,
    npm_config_prefix: prefix,
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    MAILSHOT_CONFIG_DIR: path.join(work, 'readme-config'),
    MAILSHOT_SECRET_STORE: 'file',
    MAILSHOT_SERVICE_GMAIL_HOST: `127.0.0.1:${gmail.port}`,
    NODE_EXTRA_CA_CERTS: await certificateFile(gmail),
  };
  const { code, shown } = await atTerminal(script, {
    cwd: work,
    env,
    answers: [
      [/Password for /, appPassword],
      [/Send now\? \[y\/N\]/, 'y'],
    ],
  });
  expect(shown).not.toMatch(/unexpected error|\n\s+at /);
  expect({ code, tail: shown.slice(-600) }).toMatchObject({ code: 0 });
  // The rehearsal's outbox, kept aside when the real send started.
  expect(await readdir(path.join(work, 'my-campaign', '.mailshot'))).toContainEqual(expect.stringMatching(/^campaign\.yaml\.rehearsal-/));
  // The test copy goes first, alone; the real send may deliver ann's and bob's in either order.
  const [testCopy, ...campaign] = gmail.received.map((message) => message.to.join(','));
  expect(testCopy).toBe(user);
  expect(campaign.sort()).toEqual(['ann@example.com', 'bob@example.com']);
  expect(gmail.received[0].raw.toString()).toMatch(/^Subject: \[TEST\] /m);
}, 240_000);
