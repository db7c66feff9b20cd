/** Linking a Google account to the local Gmail simulator, the browser played by the test (see test/gmail.test.ts). */
import type { ChildProcess } from 'node:child_process';
import { collect, startCli, type CliOptions, type CliResult } from './cli.js';
import { until, type Env } from './smtp.js';
import type { GmailSimulator } from '../servers/gmail.js';

/** The sign-in address `accounts add google --no-browser` prints. */
export const signInAddress = /http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?\S+/;

/** The env that points mailshot at the simulator, with the client secret in GOOGLE_CLIENT_SECRET. */
export function googleEnv<E extends Env>(google: GmailSimulator, config: E): E {
  return { ...config, ...google.env, GOOGLE_CLIENT_SECRET: google.client.secret };
}

export interface GoogleSignIn {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** The authorization address the CLI printed. */
  authUrl: string;
}

/** Starts `accounts add google NAME --no-browser` and waits for the sign-in address it prints. */
export async function startGoogleSignIn(
  google: GmailSimulator,
  env: Env,
  name: string,
  args: string[] = [],
  options: CliOptions = {},
): Promise<GoogleSignIn> {
  const child = startCli(
    [
      'accounts',
      'add',
      'google',
      name,
      '--client-id',
      google.client.id,
      '--client-secret-env',
      'GOOGLE_CLIENT_SECRET',
      '--no-browser',
      ...args,
    ],
    { env, ...options },
  );
  const done = collect(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  await until(() => signInAddress.test(stderr) || child.exitCode !== null, 10_000);
  const authUrl = signInAddress.exec(stderr)?.[0];
  if (!authUrl) throw new Error(`no sign-in address printed; stderr: ${stderr}`);
  return { child, done, authUrl };
}

/** `accounts add google NAME --no-browser`, consenting at the simulator; fails the test when it does not link. */
export async function linkGoogle(google: GmailSimulator, env: Env, name: string, args: string[] = []): Promise<void> {
  const signIn = await startGoogleSignIn(google, env, name, args);
  const consent = await fetch(signIn.authUrl, { redirect: 'manual' });
  await fetch(new URL(consent.headers.get('location')!));
  const result = await signIn.done;
  if (result.code !== 0) throw new Error(`accounts add google ${name} failed (${result.code}): ${result.stderr}`);
}
