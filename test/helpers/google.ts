/** Linking a Google account to the local Gmail simulator, the browser played by the test (see test/gmail.test.ts). */
import { collect, startCli } from './cli.js';
import { until, type Env } from './smtp.js';
import type { GmailSimulator } from '../servers/gmail.js';

const signInAddress = /http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?\S+/;

/** The env that points mailshot at the simulator, with the client secret in GOOGLE_CLIENT_SECRET. */
export function googleEnv<E extends Env>(google: GmailSimulator, config: E): E {
  return { ...config, ...google.env, GOOGLE_CLIENT_SECRET: google.client.secret };
}

/** `accounts add google NAME --no-browser`, consenting at the simulator; fails the test when it does not link. */
export async function linkGoogle(google: GmailSimulator, env: Env, name: string, args: string[] = []): Promise<void> {
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
    { env },
  );
  const done = collect(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  await until(() => signInAddress.test(stderr) || child.exitCode !== null, 10_000);
  const authUrl = signInAddress.exec(stderr)?.[0];
  if (!authUrl) throw new Error(`no sign-in address printed; stderr: ${stderr}`);
  const consent = await fetch(authUrl, { redirect: 'manual' });
  await fetch(new URL(consent.headers.get('location')!));
  const result = await done;
  if (result.code !== 0) throw new Error(`accounts add google ${name} failed (${result.code}): ${result.stderr}`);
}
