import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, tempDir, writeCampaign } from './helpers/cli.js';

describe('--notify-command', () => {
  test('gets the campaign name and the file in its environment', async () => {
    const campaign = await writeCampaign();
    const out = path.join(await tempDir(), 'notice.txt');
    const sent = await runCli([
      'campaign',
      'send',
      campaign.file,
      '--notify-command',
      `printf '%s|%s|%s|%s' "$MAILSHOT_EVENT" "$MAILSHOT_CAMPAIGN" "$MAILSHOT_FILE" "$MAILSHOT_SENT" > '${out}'`,
    ]);
    expect(sent.code).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(`done|Test campaign|${campaign.file}|2`);
  });

  test('a failing or missing command is a warning with its exit status; the run still succeeds', async () => {
    const failing = await runCli(['campaign', 'send', (await writeCampaign()).file, '--notify-command', 'echo no mail server >&2; exit 3']);
    expect(failing.code).toBe(0);
    expect(failing.stderr).toContain('mailshot: warning: --notify-command failed with exit status 3: no mail server');
    const missing = await runCli(['campaign', 'send', (await writeCampaign()).file, '--notify-command', 'no-such-notifier-7731']);
    expect(missing.code).toBe(0);
    expect(missing.stderr).toMatch(
      /mailshot: warning: --notify-command failed: command not found \(exit status 127\).*no-such-notifier-7731/,
    );
  });
});
