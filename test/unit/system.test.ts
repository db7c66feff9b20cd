import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cronLine } from '../../src/system/cron.js';
import { keepAwake } from '../../src/system/keep-awake.js';
import { notifyRunEnd, type RunNotice } from '../../src/system/notify.js';
import { tempDir } from '../helpers/cli.js';

/** Records the commands a helper would start, and hands back a real, harmless process. */
function recorder() {
  const started: { command: string; args: string[]; env?: NodeJS.ProcessEnv }[] = [];
  const run = (command: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess => {
    started.push({ command, args, env });
    return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
  };
  return { started, run };
}

const notice: RunNotice = {
  event: 'done',
  campaign: 'welcome.yaml',
  file: '/c/welcome.yaml',
  reason: 'all recipients handled',
  counts: { sent: 30, failed: 2, deferred: 0, skipped: 1, in_doubt: 0 },
};

describe('desktop notifications', () => {
  test('macOS: osascript with a quoted AppleScript string', () => {
    const { started, run } = recorder();
    notifyRunEnd({ ...notice, campaign: 'say "hi"' }, { platform: 'darwin', env: {}, run, has: (command) => command === 'osascript' });
    expect(started).toEqual([
      {
        command: 'osascript',
        args: ['-e', 'display notification "sent 30, failed 2" with title "mailshot: \\"say \\"hi\\"\\" done"'],
        env: undefined,
      },
    ]);
  });

  test('Linux desktop: notify-send; a server without a display: nothing', () => {
    const desktop = recorder();
    notifyRunEnd(
      { ...notice, event: 'paused', reason: 'quota' },
      { platform: 'linux', env: { DISPLAY: ':0', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x' }, run: desktop.run, has: () => true },
    );
    expect(desktop.started).toEqual([
      {
        command: 'notify-send',
        args: ['--app-name=mailshot', 'mailshot: "welcome.yaml" paused', 'sent 30, failed 2 — quota'],
        env: undefined,
      },
    ]);
    const server = recorder();
    notifyRunEnd(notice, { platform: 'linux', env: {}, run: server.run, has: () => true });
    expect(server.started).toEqual([]);
  });

  test('--notify-command runs for real through the shell with the outcome in its environment', async () => {
    const out = path.join(await tempDir(), 'event.txt');
    await notifyRunEnd(notice, {
      platform: 'linux',
      env: { PATH: process.env.PATH },
      command: `echo "$MAILSHOT_EVENT $MAILSHOT_CAMPAIGN $MAILSHOT_FILE $MAILSHOT_SENT $MAILSHOT_FAILED" > '${out}'`,
    });
    expect((await readFile(out, 'utf8')).trim()).toBe('done welcome.yaml /c/welcome.yaml 30 2');
  });
});

describe('keeping the machine awake', () => {
  test('macOS: caffeinate -i watching our pid; Linux with systemd: systemd-inhibit --what=sleep around a pid watcher', () => {
    const mac = recorder();
    keepAwake('sending x', { platform: 'darwin', pid: 4242, run: mac.run, has: () => true })();
    expect(mac.started).toEqual([{ command: 'caffeinate', args: ['-i', '-w', '4242'], env: undefined }]);
    const linux = recorder();
    keepAwake('sending x', { platform: 'linux', pid: 4242, run: linux.run, has: () => true, systemdRunning: true })();
    expect(linux.started[0].command).toBe('systemd-inhibit');
    expect(linux.started[0].args).toEqual([
      '--what=sleep',
      '--who=mailshot',
      '--why=sending x',
      '--mode=block',
      'tail',
      '--pid=4242',
      '-f',
      '/dev/null',
    ]);
  });

  test('skipped silently where neither exists (no systemd, or a container)', () => {
    const none = recorder();
    keepAwake('x', { platform: 'linux', run: none.run, has: () => true, systemdRunning: false })();
    keepAwake('x', { platform: 'win32', run: none.run, has: () => true })();
    expect(none.started).toEqual([]);
  });

  test('the release function stops the helper', async () => {
    const { started, run } = recorder();
    let child: ChildProcess | undefined;
    const release = keepAwake('x', { platform: 'darwin', run: (command, args) => (child = run(command, args)), has: () => true });
    expect(started).toHaveLength(1);
    release();
    await new Promise((resolve) => child!.once('exit', resolve));
    expect(child!.killed).toBe(true);
  });
});

describe('cron line', () => {
  test('absolute paths, this node, resume, a log', () => {
    const line = cronLine({ campaignFile: "/home/ann/it's/campaign.yaml", log: '/home/ann/log.txt', everyMinutes: 10 });
    expect(line).toMatch(/^\*\/10 \* \* \* \* cd '\/home\/ann\/it'\\''s' && PATH='[^']*' /);
    expect(line).toContain(`'${process.execPath}' '`);
    expect(line).toMatch(/bin\/mailshot\.js' campaign resume '\/home\/ann\/it'\\''s\/campaign\.yaml' >> '\/home\/ann\/log\.txt' 2>&1$/);
  });
});
