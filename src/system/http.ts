import { logHttp } from './protocol-log.js';

type Fetch = typeof globalThis.fetch;
let proxied: Promise<Fetch> | undefined;

export const proxyVariables = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/** Whether a value is a URL holding a password (`http://user:password@proxy:3128`). */
export function holdsPassword(value: string): boolean {
  try {
    return new URL(value).password !== '';
  } catch {
    return false;
  }
}

/** A warning when this shell's proxy URL holds a password, naming where mailshot keeps it (never in a command line). */
export function proxyPasswordWarning(): string | undefined {
  const names = proxyVariables.filter((name) => holdsPassword(process.env[name] ?? ''));
  if (!names.length) return undefined;
  return (
    `${names.join(', ')} holds a password: mailshot uses it but never writes it into a crontab line, a log or a report ` +
    '(`campaign cron` keeps it in an owner-only cron.env in the config folder); a proxy that needs no password in the URL is safer'
  );
}

/**
 * fetch for Microsoft Graph and MSAL. Behind a proxy (HTTPS_PROXY, HTTP_PROXY, with NO_PROXY) it goes
 * through undici's EnvHttpProxyAgent — as Google's client (gaxios) already does — loaded only then;
 * without one it is Node's own fetch. Each exchange is a --debug line (method, address, status).
 */
export async function httpFetch(label: string, url: string, init: RequestInit & { method: string }): Promise<Response> {
  const fetcher = proxyVariables.some((name) => process.env[name]) ? await proxyFetch() : globalThis.fetch;
  try {
    const response = await fetcher(url, init);
    logHttp(label, init.method, url, response.status);
    return response;
  } catch (error) {
    logHttp(label, init.method, url, `failed: ${(error as Error).message}`);
    throw error;
  }
}

function proxyFetch(): Promise<Fetch> {
  proxied ??= import('undici').then(({ fetch, EnvHttpProxyAgent }) => {
    const dispatcher = new EnvHttpProxyAgent();
    return ((url: string, init?: RequestInit) => fetch(url, { ...(init as object), dispatcher })) as unknown as Fetch;
  });
  return proxied;
}
