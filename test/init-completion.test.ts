import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot, runCli, tempDir } from './helpers/cli.js';

const hasShell = (shell: string, args = ['-c', 'true']) => {
  try {
    execFileSync(shell, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

describe('mailshot init', () => {
  test('writes a commented campaign that validate passes and send delivers to the outbox', async () => {
    const dir = path.join(await tempDir(), 'newsletter');
    const init = await runCli(['init', dir]);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('mailshot campaign validate');
    const yaml = await readFile(path.join(dir, 'campaign.yaml'), 'utf8');
    expect(yaml).toMatch(/^# /m);
    expect((await readFile(path.join(dir, 'recipients.csv'), 'utf8')).trim().split('\n')).toHaveLength(3);
    const validate = await runCli(['campaign', 'validate', path.join(dir, 'campaign.yaml')]);
    expect(validate.stderr).toBe('');
    expect(validate.stdout).toContain('OK — 2 recipient(s) to send');
    const send = await runCli(['campaign', 'send', path.join(dir, 'campaign.yaml')]);
    expect(send.code).toBe(0);
  });

  test('refuses to overwrite any file and leaves the folder as it was', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'body.md'), 'my own words\n');
    const init = await runCli(['init', dir]);
    expect(init.code).toBe(2);
    expect(init.stderr).toContain(`${path.join(dir, 'body.md')} already exist`);
    expect(init.stderr).toContain('never overwrites');
    expect(await readFile(path.join(dir, 'body.md'), 'utf8')).toBe('my own words\n');
    await expect(readFile(path.join(dir, 'campaign.yaml'))).rejects.toThrow();
  });

  // Node's recursive mkdir never returns for a folder under /proc (the kernel's ENOENT reads as "parent missing").
  test('a folder that cannot be made (under /proc) is an error naming it, not a hang', async () => {
    const init = await runCli(['init', '/proc/mailshot-nope/newsletter']);
    expect(init.code).toBe(2);
    expect(init.stderr).toContain('cannot create the folder /proc/mailshot-nope/newsletter');
    const dir = path.join(await tempDir(), 'newsletter');
    expect((await runCli(['init', dir])).code).toBe(0);
    const send = await runCli(['campaign', 'send', path.join(dir, 'campaign.yaml'), '--state', '/proc/mailshot-nope/state']);
    expect(send.code).toBe(1);
    expect(send.stderr).toContain('/proc/mailshot-nope/state');
    expect(send.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('mailshot completion', () => {
  test('bash: completes sub-commands and options from the command tree', async () => {
    const { stdout } = await runCli(['completion', 'bash']);
    const complete = (line: string) => {
      const words = line.split(' ');
      const script = `${stdout}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _mailshot; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return execFileSync('bash', ['-c', script], { cwd: '/', encoding: 'utf8' }).trim().split('\n');
    };
    expect(complete('mailshot camp')).toEqual(['campaign']);
    expect(complete('mailshot campaign se')).toEqual(['send']);
    expect(complete('mailshot campaign send --in')).toEqual(['--in-doubt']);
    expect(complete('mailshot campaign send x.yaml --sp')).toEqual(['--spread']);
    expect(complete('mailshot report --for')).toEqual(['--format']);
    expect(complete('mailshot completion f')).toEqual(['fish']);
  });

  (hasShell('fish') ? test : test.skip)('fish: `complete -C` offers the sub-commands with their descriptions', async () => {
    const { stdout } = await runCli(['completion', 'fish']);
    const dir = await tempDir();
    await writeFile(path.join(dir, 'mailshot.fish'), stdout);
    const out = execFileSync(
      'fish',
      ['-c', `source ${dir}/mailshot.fish; complete -C 'mailshot campaign re'; complete -C 'mailshot accounts add smtp --pass'`],
      { encoding: 'utf8' },
    );
    expect(out).toContain('resume\tcontinue a paused or interrupted campaign');
    expect(out).toContain('--password-stdin');
    expect(out).not.toContain('validate');
  });

  (hasShell('zsh') ? test : test.skip)('zsh: the script parses and walks the tree to the typed command', async () => {
    const { stdout } = await runCli(['completion', 'zsh']);
    const dir = await tempDir();
    await writeFile(path.join(dir, '_mailshot'), stdout);
    execFileSync('zsh', ['-n', path.join(dir, '_mailshot')]);
    // _describe and _files belong to zsh's completion system, which needs a terminal: print what they are given instead.
    const probe = `source ${dir}/_mailshot; _describe() { print -l -- \${(P)\${@[-1]}} }; _files() { print FILES }; words=(mailshot campaign send ''); CURRENT=4; _mailshot; words=(mailshot campaign send --); _mailshot`;
    const out = execFileSync('zsh', ['-c', probe], { encoding: 'utf8' });
    expect(out).toContain('FILES');
    expect(out).toContain('--spread:space the deliveries evenly');
    expect(out).not.toContain('validate:');
  });
});

describe('help examples and the man page', () => {
  test('every command that does something shows examples in its --help', async () => {
    const { stdout } = await runCli(['completion', 'bash']);
    // Every command that takes arguments, from the completion script's own list of the tree.
    const commands = [...stdout.matchAll(/^ {4}'([a-z ]+)'\) subs=''; .* files=1 ;;$/gm)].map((match) => match[1].split(' '));
    expect(commands.length).toBeGreaterThan(15);
    for (const words of commands) {
      const help = await runCli([...words, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`Examples:\\n  \\$ [^\\n]*mailshot ${words.join(' ')}`));
    }
  });

  test('npm run build:man writes a page with every command, its options and examples, that man renders', async () => {
    const out = path.join(await tempDir(), 'mailshot.1');
    execFileSync('npm', ['run', '--silent', 'build:man', '--', out], { cwd: repoRoot, encoding: 'utf8' });
    const page = await readFile(out, 'utf8');
    expect(page).toMatch(/^\.TH MAILSHOT 1/);
    for (const command of ['campaign send', 'campaign resume', 'accounts add google', 'report', 'init', 'completion'])
      expect(page).toContain(`.SS "mailshot ${command}"`);
    expect(page).toContain('\\-\\-spread');
    if (hasShell('man', ['--version'])) {
      const rendered = execFileSync('man', ['-l', out], {
        encoding: 'utf8',
        env: { ...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '' },
      });
      expect(rendered).toContain('mailshot campaign send campaign.yaml --via work --rate 30/min');
    }
  });
});
