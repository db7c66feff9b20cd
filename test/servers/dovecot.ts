/**
 * A real IMAP server for the tests: Dovecot, started on 127.0.0.1 on a free port with a temporary
 * configuration, one passwd-file user and a Maildir under a temporary folder (its Junk folder marked
 * special-use \Junk, as mail servers mark it). Messages are put in the INBOX, or in Junk, with IMAP
 * APPEND. `dovecotAvailable()` says whether the binary is installed; tests skip with a
 * notice without it, except under CI=true, where its absence fails them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { closedPort } from '../helpers/smtp.js';
import { tempDir } from '../helpers/cli.js';

const binary = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'].find((file) => spawnSync('test', ['-x', file]).status === 0);

export function dovecotAvailable(): boolean {
  return binary !== undefined;
}

/** `describe` when Dovecot is installed (always under CI=true, where a missing Dovecot fails the tests). */
export function describeWithDovecot(name: string, body: () => void): void {
  if (dovecotAvailable() || process.env.CI === 'true') return describe(name, body);
  process.stderr.write(`NOTICE: skipping "${name}": Dovecot is not installed (apt-get install -y dovecot-imapd); CI requires it\n`);
  describe.skip(name, body);
}

export interface DovecotServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Puts messages in the INBOX, or in another folder (created when missing, e.g. "Junk"), with IMAP APPEND, in order. */
  deliver(messages: Buffer[], folder?: string): Promise<void>;
  log(): Promise<string>;
  close(): Promise<void>;
}

export async function startDovecot(options: { user?: string; password?: string; port?: number } = {}): Promise<DovecotServer> {
  if (!binary) throw new Error('Dovecot is not installed: apt-get install -y dovecot-imapd');
  const dir = await tempDir('mailshot-dovecot-');
  const user = options.user ?? 'sender@example.com';
  const password = options.password ?? 'imap-S3cret-77';
  const port = options.port ?? (await closedPort());
  const owner = mailOwner();
  for (const sub of ['run', 'state', 'mail']) await mkdir(path.join(dir, sub), { recursive: true });
  await chown(path.join(dir, 'mail'), owner.uid, owner.gid);
  // Dovecot's auth and mail processes run as its unprivileged users: they must reach the folder and the passwd-file
  await chmod(dir, 0o711);
  await writeFile(path.join(dir, 'passwd'), `${user}:{PLAIN}${password}::::::\n`, { mode: 0o644 });
  const config = path.join(dir, 'dovecot.conf');
  await writeFile(config, configText(dir, port, owner));
  const child = spawn(binary, ['-F', '-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  await waitForPort(port, child, () => stderr);
  const server: DovecotServer = {
    host: '127.0.0.1',
    port,
    user,
    password,
    async deliver(messages, folder = 'INBOX') {
      const client = new ImapFlow({
        host: '127.0.0.1',
        port,
        secure: false,
        doSTARTTLS: false,
        auth: { user, pass: password },
        logger: false,
      });
      await client.connect();
      try {
        if (folder !== 'INBOX' && !(await client.list()).some((box) => box.path === folder)) await client.mailboxCreate(folder);
        for (const message of messages) await client.append(folder, message);
      } finally {
        await client.logout();
      }
    },
    log: () => readFile(path.join(dir, 'dovecot.log'), 'utf8').catch(() => ''),
    close: () => stop(child),
  };
  return server;
}

/** Mail is stored as an unprivileged user: Dovecot refuses root for it. */
function mailOwner(): { uid: number; gid: number; login: string; internal: string } {
  if (process.getuid?.() !== 0) {
    const name = os.userInfo().username;
    return { uid: process.getuid!(), gid: process.getgid!(), login: name, internal: name };
  }
  const id = (flag: string) => Number(spawnSync('id', [flag, 'dovecot'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g'), login: 'dovenull', internal: 'dovecot' };
}

function configText(dir: string, port: number, owner: ReturnType<typeof mailOwner>): string {
  return `
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = ${owner.login}
default_internal_user = ${owner.internal}
first_valid_uid = ${owner.uid}
last_valid_uid = 0
mail_location = maildir:${dir}/mail/%u
namespace inbox {
  inbox = yes
  mailbox Junk {
    special_use = \\Junk
  }
}
mail_uid = ${owner.uid}
mail_gid = ${owner.gid}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${owner.uid} gid=${owner.gid} home=${dir}/mail/%u
}
`;
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`dovecot exited (${child.exitCode}): ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`dovecot did not listen on ${port}: ${stderr()}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
