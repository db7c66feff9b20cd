import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot, runCli, tempDir, writeCampaign } from './helpers/cli.js';

// Start-up time is mostly module loading: heavy packages load only in the commands that use them.
const trace = path.join(repoRoot, 'bench/module-trace.js');

async function packagesLoaded(args: string[], configDir: string): Promise<{ code: number | null; files: string[] }> {
  const result = await runCli(args, {
    env: { NODE_OPTIONS: `--import ${trace}`, MAILSHOT_CONFIG_DIR: configDir, MAILSHOT_SECRET_STORE: 'file' },
  });
  const files = result.stderr
    .split('\n')
    .filter((line) => line.startsWith('bench-module: '))
    .map((line) => line.slice('bench-module: '.length));
  return { code: result.code, files };
}

// A preload that reports on stderr each Intl.DateTimeFormat made (ICU's locale data loads with the first).
const intlTrace =
  'data:text/javascript,' +
  encodeURIComponent(
    'const Format = Intl.DateTimeFormat; Intl.DateTimeFormat = new Proxy(Format, { construct(target, args) { process.stderr.write("intl-date-time-format\\n"); return Reflect.construct(target, args); }, apply(target, self, args) { process.stderr.write("intl-date-time-format\\n"); return Reflect.apply(target, self, args); } });',
  );

const loads = (files: string[], fragment: string) => files.some((file) => file.includes(fragment));

/** Whether a package folder or source file was loaded: as a file of its own, or bundled into a chunk the process read. */
async function loadsCode(files: string[], fragment: string): Promise<boolean> {
  if (loads(files, fragment)) return true;
  const chunks = await Promise.all(files.filter((file) => file.includes('/dist/bundle/')).map((file) => readFile(file, 'utf8')));
  return chunks.some((text) => text.includes(`// ${fragment}`));
}
const providerSdks = ['node_modules/@googleapis/', 'node_modules/google-auth-library/', 'node_modules/@azure/msal-node/'];

describe('start-up: heavy packages load only where used', () => {
  test('validate loads neither chrono-node, luxon, the MIME composer nor a provider SDK', async () => {
    const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\nbob@example.com,Bob\n' });
    const { code, files } = await packagesLoaded(['campaign', 'validate', campaign.file], await tempDir());
    expect(code).toBe(0);
    expect(await loadsCode(files, 'node_modules/liquidjs/')).toBe(true); // the check sees packages
    const unused = ['node_modules/chrono-node/', 'node_modules/luxon/', 'node_modules/nodemailer/dist/esm/mail-composer/', ...providerSdks];
    // nodemailer's MIME tree (and the http, https and zlib it loads) only for a campaign with inline images
    // nor, for a campaign not started yet, the journal and sending code; nor write-file-atomic: it writes nothing
    const notStarted = ['src/store/journal.ts', 'src/delivery/dispatch.ts', 'node_modules/write-file-atomic/'];
    for (const fragment of [...unused, ...notStarted, 'node_modules/nodemailer/dist/esm/mime-node/', 'node_modules/conf/']) {
      expect([fragment, await loadsCode(files, fragment)]).toEqual([fragment, false]);
    }
  });

  test('validate asks Intl for no date format (ICU start-up) when no template formats a date', async () => {
    const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\n' });
    const env = { NODE_OPTIONS: `--import ${intlTrace}`, MAILSHOT_CONFIG_DIR: await tempDir(), MAILSHOT_SECRET_STORE: 'file' };
    const plain = await runCli(['campaign', 'validate', campaign.file], { env });
    expect(plain.code).toBe(0);
    expect(plain.stderr).not.toContain('intl-date-time-format');
    // the trace sees a date being formatted
    const dated = await writeCampaign({ fields: { subject: '{{ "2026-01-05T10:00:00Z" | date: "%A" }}' } });
    expect((await runCli(['campaign', 'validate', dated.file], { env })).stderr).toContain('intl-date-time-format');
  });

  test("the date filter names days and months in the system's locale", async () => {
    const campaign = await writeCampaign({ fields: { subject: '{{ "2026-01-05T10:00:00Z" | date: "%A %B" }}' } });
    const subject = async (locale: string) => {
      const result = await runCli(['campaign', 'preview', campaign.file, '--json'], {
        env: { LC_ALL: locale, MAILSHOT_CONFIG_DIR: await tempDir() },
      });
      expect(result.code).toBe(0);
      return (JSON.parse(result.stdout) as { subject: string }).subject;
    };
    expect(await subject('de_DE.UTF-8')).toBe('Montag Januar');
    expect(await subject('en_US.UTF-8')).toBe('Monday January');
  });

  test('status compiles no template and reads the accounts without conf: no liquidjs, Markdown, MIME code, ajv or semver', async () => {
    const configDir = await tempDir();
    const campaign = await writeCampaign();
    const env = { MAILSHOT_CONFIG_DIR: configDir, MAILSHOT_SECRET_STORE: 'file' };
    expect((await runCli(['campaign', 'send', campaign.file], { env })).code).toBe(0);
    expect((await runCli(['accounts', 'list'], { env })).code).toBe(0); // writes accounts.json (see below)
    const { code, files } = await packagesLoaded(['campaign', 'status', campaign.file], configDir);
    expect(code).toBe(0);
    expect(await loadsCode(files, 'src/report/summary.ts')).toBe(true); // the check sees bundled code
    const unused = ['node_modules/liquidjs/', 'node_modules/marked/', 'node_modules/html-to-text/', 'src/campaign/render.ts'];
    for (const fragment of [
      ...unused,
      'node_modules/nodemailer/dist/esm/mime-node/',
      'node_modules/conf/',
      'node_modules/ajv/',
      'node_modules/semver/',
    ]) {
      expect([fragment, await loadsCode(files, fragment)]).toEqual([fragment, false]);
    }
  });

  test('accounts list: the first, in a new config folder, writes accounts.json through conf as before; later ones read it without conf', async () => {
    const configDir = await tempDir();
    const first = await packagesLoaded(['accounts', 'list', '--json'], configDir);
    expect(first.code).toBe(0);
    expect(await loadsCode(first.files, 'node_modules/conf/')).toBe(true);
    expect((await stat(path.join(configDir, 'accounts.json'))).mode & 0o777).toBe(0o600);
    const later = await packagesLoaded(['accounts', 'list', '--json'], configDir);
    expect(later.code).toBe(0);
    expect(await loadsCode(later.files, 'node_modules/conf/')).toBe(false);
  });

  test('send without --at or deliver_at_local loads neither chrono-node nor luxon; --at loads chrono-node', async () => {
    const configDir = await tempDir();
    const campaign = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\n' });
    const now = await packagesLoaded(['campaign', 'send', campaign.file], configDir);
    expect(now.code).toBe(0);
    expect(await loadsCode(now.files, 'node_modules/nodemailer/dist/esm/mime-node/')).toBe(true); // the check sees what send loads
    expect(loads(now.files, 'node_modules/chrono-node/')).toBe(false);
    expect(loads(now.files, 'node_modules/luxon/')).toBe(false);

    const later = await writeCampaign({ csv: 'email,name\nann@example.com,Ann\n' });
    const scheduled = await packagesLoaded(['campaign', 'send', later.file, '--at', 'tomorrow 09:00'], configDir);
    expect(scheduled.code).toBe(75);
    expect(loads(scheduled.files, 'node_modules/chrono-node/')).toBe(true);
  });

  test("--help loads the bundle's start-up chunks only (commander in them): no campaign parsing (yaml, zod), templates or journal", async () => {
    const { code, files } = await packagesLoaded(['--help'], await tempDir());
    expect(code).toBe(0);
    const packages = new Set(
      files.filter((file) => file.includes('/node_modules/')).map((file) => file.split('/node_modules/')[1].split('/')[0]),
    );
    expect([...packages]).toEqual([]); // commander is bundled
    expect(await loadsCode(files, 'node_modules/commander/')).toBe(true);
    // packages bundled into dist/bundle (yaml, zod …) and mailshot's own modules are named in the chunks' comments
    const bundled = files.filter((file) => file.includes('/dist/bundle/'));
    expect(bundled.length).toBeGreaterThan(0);
    const sources = (await Promise.all(bundled.map((file) => readFile(file, 'utf8')))).join('\n');
    for (const heavy of ['node_modules/yaml/', 'node_modules/zod/', 'src/store/journal.ts', 'src/campaign/definition.ts']) {
      expect([heavy, sources.includes(`// ${heavy}`)]).toEqual([heavy, false]);
    }
  });
});
