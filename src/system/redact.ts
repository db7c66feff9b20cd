/**
 * Removes the credentials mailshot sent on a connection from what the server said back. Some servers and
 * proxies echo a refused command ("500 Command unrecognized: AUTH PLAIN AGFsaWNl…"), and that text goes on
 * to errors, the journal, reports, --json, --debug and notifications. Every text that came from a server
 * passes through the redactor of its connection first.
 */
export interface Credentials {
  user?: string;
  password?: string;
  /** OAuth access or refresh tokens, client secrets: anything else that must not be shown. */
  tokens?: readonly string[];
}

export type Redact = (text: string) => string;

const hidden = '[credentials hidden]';
/** Short fragments would hide unrelated text: a secret is looked for inside other base64 only from this length. */
const minimumFragment = 6;

/** The redactor for one connection's credentials; with none, text passes unchanged. */
export function credentialRedactor(credentials: Credentials): Redact {
  const secrets = [credentials.password, ...(credentials.tokens ?? [])].filter((secret): secret is string => Boolean(secret));
  if (!secrets.length) return (text) => text;
  const forms = new Set<string>();
  for (const secret of secrets) {
    for (const form of sentForms(credentials.user ?? '', secret)) forms.add(form);
    for (const fragment of base64Fragments(secret)) forms.add(fragment);
  }
  // Longest first, so that a whole AUTH argument goes before a fragment of it.
  const pattern = new RegExp(
    [...forms]
      .filter((form) => form.length > 0)
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  return (text) => text.replace(pattern, hidden);
}

/** The secret as sent: itself, URL-encoded, and the AUTH PLAIN, LOGIN and XOAUTH2 arguments that carry it. */
function sentForms(user: string, secret: string): string[] {
  const plain = [`\0${user}\0${secret}`, `${user}\0${user}\0${secret}`];
  const xoauth2 = `user=${user}\x01auth=Bearer ${secret}\x01\x01`;
  return [secret, encodeURIComponent(secret), ...[...plain, secret, xoauth2].flatMap(base64Forms)];
}

function base64Forms(text: string): string[] {
  const buffer = Buffer.from(text, 'utf8');
  return [buffer.toString('base64'), buffer.toString('base64url')];
}

/**
 * The part of a base64 text that encodes `secret` wherever it sits in the encoded bytes: for each of the
 * three alignments, the characters that depend only on the secret's own bytes. Hides the secret inside
 * any base64 blob (an AUTH argument built some other way, a token in a base64 JSON), not only the forms above.
 */
function base64Fragments(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const fragments: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const start = Math.ceil((offset * 4) / 3);
    const end = Math.floor(((offset + bytes.length) * 4) / 3);
    const fragment = encoded.slice(start, end);
    if (fragment.length >= minimumFragment) fragments.push(fragment, fragment.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return fragments;
}

/** An HTTP body as text or parsed JSON; JSON is redacted as its text, so it stays the same shape. */
function redactBody(body: unknown, redact: Redact): unknown {
  if (typeof body === 'string') return redact(body);
  if (Buffer.isBuffer(body) || body === null || typeof body !== 'object') return body;
  return JSON.parse(redact(JSON.stringify(body))) as unknown;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The same error with every text a server could have put in it redacted: message, response (a reply, or an
 * HTTP response's body), stack, causes.
 */
export function redactError<T>(error: T, redact: Redact): T {
  for (let current: unknown = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const fields = current as Record<string, unknown>;
    const response = fields.response as { data?: unknown } | undefined;
    if (response && typeof response === 'object' && response.data !== undefined) response.data = redactBody(response.data, redact);
    for (const key of ['message', 'response', 'stack', 'responseText', 'serverResponseCode']) {
      if (typeof fields[key] === 'string') {
        try {
          fields[key] = redact(fields[key]);
        } catch {
          // a read-only field: left as it is (it did not come from the server)
        }
      }
    }
    current = fields.cause;
  }
  return error;
}
