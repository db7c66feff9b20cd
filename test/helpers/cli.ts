import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const mailshotBin = path.join(repoRoot, 'bin/mailshot.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  /** Leave stdin open for the test to write to later (e.g. an address pasted at a prompt); `input` is ignored. */
  keepStdinOpen?: boolean;
  /** Run as another user: tests running as root use it to meet permission errors. */
  uid?: number;
  gid?: number;
}

/** Starts `bin/mailshot.js` as a user would, with a private config dir unless the test gives one. */
export function startCli(args: string[], options: CliOptions = {}): ChildProcess {
  const child = spawn(process.execPath, [mailshotBin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, MAILSHOT_CONFIG_DIR: path.join(os.tmpdir(), 'mailshot-test-config-unset'), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
  });
  if (!options.keepStdinOpen) child.stdin!.end(options.input ?? '');
  return child;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const child = startCli(args, options);
  return collect(child);
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A new folder in the system's temporary folder, removed when the test run ends (test/global-teardown.js). */
export async function tempDir(prefix = 'mailshot-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const list = process.env.MAILSHOT_TEST_FOLDERS;
  if (list) appendFileSync(list, dir + '\n');
  return dir;
}

export interface CampaignFixture {
  dir: string;
  file: string;
  stateDir: string;
  outbox: string;
}

/**
 * Writes a campaign folder: campaign.yaml (fields merged over sensible defaults), recipients.csv,
 * body.md, plus any extra files. Pass `yaml` to write the campaign file verbatim instead.
 */
export async function writeCampaign(
  options: {
    fields?: Record<string, unknown>;
    yaml?: string;
    csv?: string | Buffer;
    markdown?: string;
    files?: Record<string, string | Buffer>;
    dir?: string;
  } = {},
): Promise<CampaignFixture> {
  const dir = options.dir ?? (await tempDir());
  await mkdir(dir, { recursive: true });
  const fields = {
    name: 'Test campaign',
    from: 'Sender <sender@example.com>',
    subject: 'Hello {{ name }}',
    markdown: 'body.md',
    recipients: 'recipients.csv',
    ...options.fields,
  };
  const yaml =
    options.yaml ??
    Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
      .join('\n') + '\n';
  await writeFile(path.join(dir, 'campaign.yaml'), yaml);
  await writeFile(path.join(dir, 'recipients.csv'), options.csv ?? 'email,name\nann@example.com,Ann\nbob@example.com,Bob\n');
  await writeFile(path.join(dir, 'body.md'), options.markdown ?? 'Hi **{{ name }}**,\n\nthis is a test.\n');
  for (const [name, content] of Object.entries(options.files ?? {})) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  const stateDir = path.join(dir, '.mailshot', 'campaign.yaml');
  return { dir, file: path.join(dir, 'campaign.yaml'), stateDir, outbox: path.join(stateDir, 'outbox') };
}

/** CSV text with `count` recipients r0@example.com … */
export function recipientsCsv(count: number, extraColumns = ''): string {
  const lines = [`email,name${extraColumns ? ',' + extraColumns : ''}`];
  for (let index = 0; index < count; index++) lines.push(`r${index}@example.com,Person ${index}${extraColumns ? ',x' : ''}`);
  return lines.join('\n') + '\n';
}

/** A campaign of `count` recipients sent through the account `via`; `prefix` replaces the addresses' `r` (s0@…, s1@…). */
export async function campaignVia(count: number, via: string, prefix = 'r'): Promise<CampaignFixture> {
  const csv = recipientsCsv(count).replace(/^r(\d+)@/gm, `${prefix}$1@`);
  return writeCampaign({ csv, fields: { via } });
}
