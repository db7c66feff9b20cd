import { format } from 'node:util';
import type { Redact } from './redact.js';

/**
 * --debug: the SMTP conversation and the HTTP requests, as lines for the person. Credentials never
 * reach it: AUTH arguments and the answers to the server's 334 challenges are replaced, the server's
 * lines pass through the connection's redactor (a server may echo what it was sent), and HTTP
 * lines carry only the method, the address without its query and the status.
 */
let sink: ((line: string) => void) | undefined;

export function setProtocolLog(write: ((line: string) => void) | undefined): void {
  sink = write;
}

export function protocolLogActive(): boolean {
  return sink !== undefined;
}

/** A nodemailer (bunyan-style) logger that writes `label C: …` / `label S: …` lines, redacted. */
export function smtpLogger(label: string, redact: Redact) {
  let answeringChallenge = false;
  const write = (entry: { tnx?: string } | undefined, message: unknown, ...args: unknown[]) => {
    if (!sink) return;
    const text = redact(format(String(message ?? ''), ...args));
    for (const line of text.split(/\r?\n/)) {
      if (entry?.tnx === 'server') answeringChallenge = /^334\b/.test(line);
      const shown = entry?.tnx === 'client' ? redactClientLine(line, answeringChallenge) : line;
      if (entry?.tnx === 'client') answeringChallenge = false;
      sink(`${label} ${entry?.tnx === 'client' ? 'C:' : entry?.tnx === 'server' ? 'S:' : '*'} ${shown}`);
    }
  };
  const ignore = () => undefined;
  return { debug: write, info: write, trace: ignore, warn: write, error: write, fatal: write };
}

function redactClientLine(line: string, answeringChallenge: boolean): string {
  const auth = /^AUTH\s+(\S+)/i.exec(line);
  if (auth) return `AUTH ${auth[1]} [credentials hidden]`;
  return answeringChallenge ? '[credentials hidden]' : line;
}

/** One HTTP exchange: method, address without query or fragment, status. */
export function logHttp(label: string, method: string, url: string, status: number | string): void {
  if (!sink) return;
  const { origin, pathname } = new URL(url);
  sink(`${label} ${method} ${origin}${pathname} → ${status}`);
}
