/**
 * Reports safe to open: a cell a spreadsheet would run (=, +, -, @) is written as text with a leading ',
 * and a server's or a cell's control characters never reach a terminal raw.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { mailshotBin, runCli, writeCampaign } from './helpers/cli.js';
import { hostileServersPerTest } from './helpers/hostile-smtp.js';
import { addAccount, fileSecretsEnv, type Env } from './helpers/smtp.js';
import { runInProcess } from './helpers/in-process.js';

const hostileServer = hostileServersPerTest();
const run = promisify(execFile);

/** What a server may put in a refusal to play with the terminal: retitle, clear the screen, paint in green. */
const hostileReply = '550 5.1.1 \x1b]0;pwned\x07\x1b[2J\x1b[32mall delivered\x1b[0m \x9b31m';
const csv = [
  'email,name',
  '"=HYPERLINK(""http://evil.example/"",""open"")",A',
  '+cmd@example.com,B',
  '@SUM(1+1),C',
  '-2+3,D',
  '=1+1,E',
  'eve@example.com,"Eve \x1b]0;cell\x07\x1b[2J"',
  '',
].join('\n');

/** mailshot under a pseudo-terminal (util-linux `script`): stdout and stderr are a terminal. */
async function inTerminal(args: string[], env: Env): Promise<string> {
  const quoted = [process.execPath, mailshotBin, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
  const { stdout } = await run('script', ['-qec', quoted, '/dev/null'], {
    env: { ...process.env, ...env, TERM: 'xterm' },
    encoding: 'utf8',
  });
  return stdout;
}

async function sentCampaign() {
  const server = await hostileServer({ mechanisms: ['PLAIN'], rcptReply: hostileReply });
  const env = { ...(await fileSecretsEnv()), MAILSHOT_TEST_PASSWORD: 'pw-123456' };
  await addAccount(env, 'hostile', server, { user: 'me@example.com', args: ['--password-env', 'MAILSHOT_TEST_PASSWORD'] });
  const campaign = await writeCampaign({ csv, fields: { from: 'me@example.com' } });
  const send = await inTerminal(['campaign', 'send', campaign.file, '--via', 'hostile', '--yes', '--debug'], env);
  return { env, campaign, send };
}

test('report and suppress export CSV: cells a spreadsheet would run are written as text', async () => {
  const { env, campaign } = await sentCampaign();
  const report = await runInProcess(['report', campaign.file, '--format', 'csv'], { env });
  expect(report.code).toBe(0);
  const recipients = (parse(report.stdout, { columns: true }) as { recipient: string }[]).map((row) => row.recipient);
  expect(recipients).toEqual(
    expect.arrayContaining(['\'=HYPERLINK("http://evil.example/","open")', "'+cmd@example.com", "'@SUM(1+1)", "'-2+3", "'=1+1"]),
  );
  for (const cell of (parse(report.stdout) as string[][]).flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  const added = await runCli(['suppress', 'add', '--account', 'hostile', '--', '+cmd@example.com', '-minus@example.com'], { env });
  expect(added.code).toBe(0);
  const exported = await runCli(['suppress', 'export', '--account', 'hostile'], { env });
  expect(exported.code).toBe(0);
  expect(exported.stdout).toContain("'+cmd@example.com");
  expect(exported.stdout).toContain("'-minus@example.com");
});

test('no command writes a server’s or a cell’s escape sequences to a terminal', async () => {
  const { env, campaign, send } = await sentCampaign();
  const outputs: Record<string, string> = { send };
  for (const format of ['table', 'csv', 'json'])
    outputs[`report ${format}`] = await inTerminal(['report', campaign.file, '--format', format], env);
  outputs.status = await inTerminal(['campaign', 'status', campaign.file], env);
  outputs.validate = await inTerminal(['campaign', 'validate', campaign.file], env);
  outputs.preview = await inTerminal(['campaign', 'preview', campaign.file, '--row', '6'], env);
  outputs['preview --raw'] = await inTerminal(['campaign', 'preview', campaign.file, '--row', '6', '--raw'], env);
  expect(outputs.preview).toContain('Eve \\u001b]0;cell');
  outputs['suppress export'] = await inTerminal(['suppress', 'export', '--account', 'hostile'], env);
  outputs['suppress list'] = await inTerminal(['suppress', 'list', '--account', 'hostile'], env);
  expect(outputs['report csv']).toContain('\\u001b]0;pwned');
  for (const [command, output] of Object.entries(outputs)) {
    // the progress bar's own sequences (erase line, hide/show the cursor) are the only ones allowed
    const foreign = output.replace(/\x1b\[K|\x1b\[\?25[lh]/g, '');
    expect([command, foreign.match(/.{0,30}[\x1b\x9b].{0,30}/g)]).toEqual([command, null]);
  }
});
