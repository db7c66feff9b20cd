import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listener on 127.0.0.1 that receives the browser once the person has answered the consent screen. */
export interface LoopbackRedirect<T> {
  /** Where the provider sends the browser: http://127.0.0.1:<free port>/ */
  redirectUri: string;
  /** What `accept` made of the first redirect: a request with OAuth parameters; others (a favicon) get 404. */
  result: Promise<T>;
  close(): Promise<void>;
}

/**
 * Listens on a free loopback port. The first request that carries `code`, `error` or `state` is handed to
 * `accept`; the browser is told whether that worked (return to the terminal) or why not (its message).
 */
export async function listenForRedirect<T>(accept: (params: URLSearchParams) => T): Promise<LoopbackRedirect<T>> {
  let settle!: { resolve: (value: T) => void; reject: (error: unknown) => void };
  const result = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  result.catch(() => undefined); // the caller may be done (a pasted address won) before it looks
  let answered = false;
  const server = http.createServer((request, response) => {
    const params = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams;
    if (answered || !['code', 'error', 'state'].some((name) => params.has(name))) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    answered = true;
    try {
      const value = accept(params);
      page(response, 200, 'Answer received', 'mailshot has the answer. You can close this window and return to the terminal.');
      settle.resolve(value);
    } catch (error) {
      page(response, 400, 'Not signed in', `${(error as Error).message}`);
      settle.reject(error);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/`,
    result,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // a browser's keep-alive connection would hold the process open
      }),
  };
}

function page(response: http.ServerResponse, status: number, title: string, text: string): void {
  const escaped = text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  response
    .writeHead(status, { 'content-type': 'text/html; charset=utf-8', connection: 'close' })
    .end(`<!doctype html><meta charset="utf-8"><title>mailshot: ${title}</title><h1>${title}</h1><p>${escaped}</p>\n`);
}
