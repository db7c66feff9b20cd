import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mailshotBin, recipientsCsv, runCli, writeCampaign } from './helpers/cli.js';

const run = promisify(execFile);

/** Runs mailshot under a pseudo-terminal of 80 columns (util-linux `script`), as a person at a terminal would. */
async function inTerminal(args: string[], term = 'xterm'): Promise<string> {
  const quoted = [process.execPath, mailshotBin, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
  const { stdout } = await run('script', ['-qec', `stty cols 80; ${quoted}`, '/dev/null'], {
    env: { ...process.env, TERM: term, MAILSHOT_CONFIG_DIR: '/nonexistent-mailshot-config' },
    encoding: 'utf8',
  });
  return stdout;
}

const field = /^(\d+\/\d+|sent \d+|failed \d+|deferred \d+|ETA (\d+m)?\d+s|ETA \d+h\d+m|[\d.]+\/s|\d+ at once(, \S+)?)$/;

describe('progress on a terminal', () => {
  test('80 columns: every frame fits, is made of whole fields, and the ETA shows only once it means something', async () => {
    const campaign = await writeCampaign({ csv: recipientsCsv(40) });
    const out = await inTerminal(['campaign', 'send', campaign.file, '--rate', '10/s']);
    const frames = out
      .split('\r')
      .map((text) => text.replace(/\x1b\[\?25[lh]|\n/g, ''))
      .filter((text) => text.startsWith('['))
      .map((text) => text.replace(/\x1b\[K$/, ''));
    expect(frames.length).toBeGreaterThan(10);
    for (const frame of frames) {
      expect(frame.length).toBeLessThanOrEqual(79);
      const [, bar, rest] = /^(\[[#-]+\]) (.*)$/.exec(frame)!;
      expect(bar).toHaveLength(22);
      for (const part of rest.split(' · ')) expect(part).toMatch(field);
    }
    expect(frames[0]).not.toContain('ETA');
    expect(frames.some((frame) => /ETA \d\S* · [\d.]+\/s$/.test(frame))).toBe(true); // at 80 columns the ETA and the rate both show
    expect(frames.some((frame) => frame.includes('ETA 0s'))).toBe(false);
    expect(frames.at(-1)).toContain('40/40 · sent 40');
    expect(out).toContain('done: sent 40');
    expect(out).toContain('\x07');
  });

  test('TERM=dumb: plain lines, no cursor codes', async () => {
    const campaign = await writeCampaign({ csv: recipientsCsv(5) });
    const out = await inTerminal(['campaign', 'send', campaign.file], 'dumb');
    expect(out).toContain('mailshot: sending "Test campaign" via outbox: 5 to send, 0 already done');
    expect(out).toContain('done: sent 5');
    expect(out).not.toContain('\x1b[');
  });

  test('--quiet: the result only — no progress, no bell', async () => {
    const campaign = await writeCampaign({ csv: recipientsCsv(5) });
    const out = await inTerminal(['campaign', 'send', campaign.file, '--quiet']);
    expect(out).toContain('done: sent 5');
    expect(out).not.toContain('sending "');
    expect(out).not.toContain('\x1b[');
    expect(out).not.toContain('\x07');
  });
});

describe('progress elsewhere', () => {
  test('piped: no cursor codes; --verbose gives each recipient a line', async () => {
    const campaign = await writeCampaign({ csv: recipientsCsv(3) });
    const { stderr, code } = await runCli(['campaign', 'send', campaign.file, '--verbose']);
    expect(code).toBe(0);
    expect(stderr).not.toContain('\x1b[');
    for (let index = 0; index < 3; index++) expect(stderr).toMatch(new RegExp(`^mailshot: sent r${index}@example\\.com — `, 'm'));
  });

  test('--json: snake_case events, the start event carries the schema version, each event once', async () => {
    const campaign = await writeCampaign({ csv: recipientsCsv(4) });
    const { stdout } = await runCli(['campaign', 'send', campaign.file, '--json']);
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events[0]).toEqual({
      type: 'start',
      schema_version: 1,
      campaign: 'Test campaign',
      via: 'outbox',
      recipients: 4,
      already_done: 0,
      to_send: 4,
    });
    for (const event of events) for (const key of Object.keys(event)) expect(key).toMatch(/^[a-z0-9_]+$/);
    expect(events.filter((event) => event.type === 'end')).toHaveLength(1);
    const progress = events.filter((event) => event.type === 'progress').map((event) => JSON.stringify(event));
    expect(new Set(progress).size).toBe(progress.length);
    expect(events.at(-2)).toMatchObject({ type: 'progress', handled: 4, total: 4 });
  });
});
