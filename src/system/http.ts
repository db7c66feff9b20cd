import { logHttp } from './protocol-log.js';

type Fetch = typeof globalThis.fetch;
let proxied: Promise<Fetch> | undefined;

const proxyVariables = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

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
