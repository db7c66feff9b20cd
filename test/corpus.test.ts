/**
 * The hostile-input corpus, test/corpus/: each folder is one case, its files laid over test/corpus/_base/
 * (a valid campaign: campaign.yaml, recipients.csv, body.md), plus a case.json:
 *
 *   why         what the input tries
 *   args        the command (default: campaign send {campaign}); {campaign} and {dir} are filled in
 *   exit        the exit code it must end with
 *   message     fragments its output (stdout and stderr) must hold
 *   setup       a step below, for what a file in git cannot hold: 10 MB, symbolic links, permissions
 *   sent        for a case that sends: how many messages the outbox must hold
 *   to, attachment   for a case that sends: the To addresses, the attachment's file name
 *   maxOutput, maxJournal   at most this many bytes of output (stdout and stderr), of journal.jsonl
 *
 * Every case: that exit code and those fragments, never a stack trace, and a failure says it in a few
 * lines (no echo of a 10 MB field). A case that sends nothing changes nothing on disk: no state folder,
 * journal or outbox appears, no file of a started campaign changes. A case that sends writes whole
 * messages with no header injected: the headers mailshot writes and the campaign declares, each once,
 * one To address, a header section of printable ASCII with CRLF line ends.
 *
 * One case by hand: cp -r test/corpus/_base/. /tmp/c && cp -r test/corpus/<case>/. /tmp/c && mailshot campaign send /tmp/c/campaign.yaml
 */
import { execFileSync } from 'node:child_process';
import { chmod, cp, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { parse as parseYaml } from 'yaml';
import { repoRoot, runCli, tempDir, type CliOptions } from './helpers/cli.js';

const corpus = path.join(repoRoot, 'test/corpus');
const cases = (await readdir(corpus, { withFileTypes: true }))
  .filter((entry) => entry.isDirectory() && entry.name !== '_base')
  .map((entry) => entry.name)
  .sort();

interface CaseSpec {
  why: string;
  args?: string[];
  exit: number;
  message?: string[];
  setup?: keyof typeof setups;
  sent?: number;
  to?: string[];
  attachment?: string;
  maxOutput?: number;
  maxJournal?: number;
}

/** Root reads whatever the modes say: permission cases run as "nobody" then, with a config folder of nobody's own. */
const otherUser: CliOptions =
  process.getuid?.() === 0
    ? { uid: 65534, gid: 65534, env: { MAILSHOT_CONFIG_DIR: path.join(os.tmpdir(), `mailshot-test-config-nobody-${process.pid}`) } }
    : {};
const tenMegabytes = 10 * 1024 * 1024;

/** Rows r0@example.com … as CSV lines. */
const rows = (count: number, extra = '') => Array.from({ length: count }, (_, index) => `r${index}@example.com,Person ${index}${extra}`);

/** Sends the first recipient as the user the case runs as, so that the campaign has a state folder, a journal and an outbox. */
async function startedCampaign(dir: string): Promise<string> {
  await chmod(path.dirname(dir), 0o755);
  await chmod(dir, 0o777);
  const first = await runCli(['campaign', 'send', path.join(dir, 'campaign.yaml'), '--limit', '1'], otherUser);
  expect(first.code).toBe(75);
  return path.join(dir, '.mailshot', 'campaign.yaml');
}

/** Each receives the case's campaign folder (inside a private temporary folder) and may return how to run the CLI. */
const setups = {
  async latin1Line4001(dir: string) {
    const lines = ['email,name', ...rows(5000)].map((line) => Buffer.from(line + '\n'));
    lines[4000] = Buffer.from('r3999@example.com,Ren\xe9e\n', 'latin1');
    await writeFile(path.join(dir, 'recipients.csv'), Buffer.concat(lines));
  },
  async tenMegabyteHeader(dir: string) {
    await writeFile(path.join(dir, 'recipients.csv'), `email,${'n'.repeat(tenMegabytes)}\nann@example.com,Ann\n`);
  },
  async tenMegabyteField(dir: string) {
    await writeFile(path.join(dir, 'recipients.csv'), `email,name\nann@example.com,Ann\nbob@example.com,"${'x'.repeat(tenMegabytes)}"\n`);
  },
  async quoteOpenToEnd(dir: string) {
    const lines = ['email,name', ...rows(300), 'r300@example.com,"Never closed', ...rows(50)];
    await writeFile(path.join(dir, 'recipients.csv'), lines.join('\n') + '\n');
  },
  async manyColumns(dir: string) {
    const extra = Array.from({ length: 4998 }, (_, index) => `c${index}`);
    const lines = [['email', 'name', ...extra].join(','), ...rows(2, ','.repeat(extra.length))];
    await writeFile(path.join(dir, 'recipients.csv'), lines.join('\n') + '\n');
  },
  async crlfFileName(dir: string) {
    await mkdir(path.join(dir, 'files'));
    await writeFile(path.join(dir, 'files', 'a\r\nBcc: evil@example.net.txt'), 'attached\n');
  },
  async quoteFileName(dir: string) {
    await mkdir(path.join(dir, 'files'));
    await writeFile(path.join(dir, 'files', 'a"; filename="evil.exe.txt'), 'attached\n');
  },
  async fileOutside(dir: string) {
    await writeFile(path.join(dir, '..', 'outside.txt'), 'a file outside the campaign folder\n');
  },
  async symlinkToFileOutside(dir: string) {
    await setups.fileOutside(dir);
    await mkdir(path.join(dir, 'files'));
    await symlink('../../outside.txt', path.join(dir, 'files', 'notes.txt'));
  },
  async symlinkToFolderOutside(dir: string) {
    const outside = path.join(dir, '..', 'outside-folder');
    await mkdir(outside);
    await writeFile(path.join(outside, 'outside.txt'), 'a file outside the campaign folder\n');
    await symlink(outside, path.join(dir, 'files'));
  },
  async bodySymlinkOutside(dir: string) {
    await writeFile(path.join(dir, '..', 'outside.md'), 'a file outside the campaign folder\n');
    await rm(path.join(dir, 'body.md'));
    await symlink('../outside.md', path.join(dir, 'body.md'));
  },
  async csvOutside(dir: string) {
    await cp(path.join(dir, 'recipients.csv'), path.join(dir, '..', 'outside.csv'));
  },
  async attachmentFifo(dir: string) {
    await mkdir(path.join(dir, 'files'));
    execFileSync('mkfifo', [path.join(dir, 'files', 'notes.txt')]);
  },
  async bodyFifo(dir: string) {
    await rm(path.join(dir, 'body.md'));
    execFileSync('mkfifo', [path.join(dir, 'body.md')]);
  },
  async csvFifo(dir: string) {
    await rm(path.join(dir, 'recipients.csv'));
    execFileSync('mkfifo', [path.join(dir, 'recipients.csv')]);
  },
  async bodyElevenMegabytes(dir: string) {
    await writeFile(path.join(dir, 'body.md'), `Hello {{ name }}\n\n${'word '.repeat((11 * 1024 * 1024) / 5)}\n`);
  },
  async junkAddressCells(dir: string) {
    const junk = Array.from({ length: 20 }, (_, index) => `${'x'.repeat(900 * 1024)}${index}@example.com,Junk ${index}`);
    await writeFile(path.join(dir, 'recipients.csv'), ['email,name', 'ann@example.com,Ann', ...junk].join('\n') + '\n');
  },
  async stateUnreadable(dir: string): Promise<CliOptions> {
    await chmod(await startedCampaign(dir), 0o000);
    return otherUser;
  },
  async campaignFolderReadOnly(dir: string): Promise<CliOptions> {
    await chmod(path.dirname(dir), 0o755);
    await chmod(dir, 0o555);
    return otherUser;
  },
  async journalReadOnly(dir: string): Promise<CliOptions> {
    await chmod(path.join(await startedCampaign(dir), 'journal.jsonl'), 0o444);
    return otherUser;
  },
};

/** Every file under `dir` with its size and modification time, and every folder: what a run may not change. */
async function snapshot(dir: string, entries: Record<string, string> = {}): Promise<Record<string, string>> {
  let children;
  try {
    children = await readdir(dir, { withFileTypes: true });
  } catch {
    entries[dir] = 'unreadable folder'; // mode 000, when the test does not run as root
    return entries;
  }
  entries[dir] = 'folder';
  for (const child of children) {
    const file = path.join(dir, child.name);
    if (child.isDirectory()) await snapshot(file, entries);
    else if (child.isFile()) {
      const info = await stat(file);
      entries[file] = `${info.size} bytes, modified ${info.mtimeMs}`;
    }
  }
  return entries;
}

const mailshotHeaders = [
  'from',
  'to',
  'reply-to',
  'subject',
  'message-id',
  'date',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'list-unsubscribe',
  'list-unsubscribe-post',
];

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  return (Array.isArray(field) ? field : field ? [field] : []).flatMap((object) => object.value.map((mailbox) => mailbox.address ?? ''));
}

/** The outbox holds `spec.sent` whole messages, none with a header mailshot did not mean to write. */
async function expectCleanMessages(dir: string, spec: CaseSpec): Promise<void> {
  const outbox = path.join(dir, '.mailshot', 'campaign.yaml', 'outbox');
  const files = await readdir(outbox);
  expect(files).toHaveLength(spec.sent!);
  expect(files.every((file) => file.endsWith('.eml'))).toBe(true);
  const declared = Object.keys((parseYaml(await readFile(path.join(dir, 'campaign.yaml'), 'utf8')) as { headers?: object }).headers ?? {});
  const allowed = new Set([...mailshotHeaders, ...declared.map((name) => name.toLowerCase())]);
  const to: string[] = [];
  for (const file of files) {
    const raw = await readFile(path.join(outbox, file));
    const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1');
    expect(head).toMatch(/^[\x20-\x7e\t\r\n]+$/);
    expect(head.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    const lines = head.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
    const names = lines.map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
    expect(names.filter((name) => !allowed.has(name))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
    const mail = await simpleParser(raw);
    expect(addresses(mail.to)).toHaveLength(1);
    // as written (mailparser would turn xn-- domains back into Unicode)
    to.push(
      /<([^<>]+)>$|^to: (\S+)$/i
        .exec(lines.find((line) => /^to:/i.test(line))!)!
        .slice(1)
        .find(Boolean)!,
    );
    if (spec.attachment) expect(mail.attachments.map((attachment) => attachment.filename)).toEqual([spec.attachment]);
  }
  if (spec.to) expect(to.sort()).toEqual([...spec.to].sort());
}

describe('hostile input corpus', () => {
  test('holds at least 40 cases, each with a case.json', async () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const name of cases) expect((await readdir(path.join(corpus, name))).includes('case.json')).toBe(true);
  });

  test.concurrent.each(cases)('%s', async (name) => {
    const spec = JSON.parse(await readFile(path.join(corpus, name, 'case.json'), 'utf8')) as CaseSpec;
    const parent = await tempDir('mailshot-corpus-');
    const dir = path.join(parent, 'campaign');
    await cp(path.join(corpus, '_base'), dir, { recursive: true });
    await cp(path.join(corpus, name), dir, { recursive: true });
    await rm(path.join(dir, 'case.json'));
    const options: CliOptions = (spec.setup ? await setups[spec.setup](dir) : undefined) ?? {};
    const before = await snapshot(parent);

    const args = (spec.args ?? ['campaign', 'send', '{campaign}']).map((arg) =>
      arg.replace('{campaign}', path.join(dir, 'campaign.yaml')).replace('{dir}', dir),
    );
    const result = await runCli(args, { ...options, env: { MAILSHOT_CONFIG_DIR: path.join(parent, 'config') } });
    const output = result.stdout + result.stderr;

    expect({ exit: result.code, output }).toMatchObject({ exit: spec.exit });
    for (const fragment of spec.message ?? []) expect(output).toContain(fragment);
    expect(output).not.toMatch(/unexpected error|^\s+at .*\(/m);
    if (spec.exit !== 0) expect(result.stderr.length).toBeLessThan(1000);
    if (spec.maxOutput !== undefined) expect(Buffer.byteLength(output)).toBeLessThanOrEqual(spec.maxOutput);
    if (spec.maxJournal !== undefined)
      expect((await stat(path.join(dir, '.mailshot', 'campaign.yaml', 'journal.jsonl'))).size).toBeLessThanOrEqual(spec.maxJournal);
    if (spec.sent === undefined) expect(await snapshot(parent)).toEqual(before);
    else await expectCleanMessages(dir, spec);
  });
});
