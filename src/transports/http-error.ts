/** Reads a Gmail API, Microsoft Graph or OAuth token endpoint error body: status, reasons, the provider's message. */

/** What the HTTP rows look at. */
export interface HttpFacts {
  status: number;
  /** Gmail `errors[].reason`, Graph `error.code`, OAuth `error` (e.g. `invalid_grant`). */
  reasons: string[];
  /** The provider's message (`error.message`, `errors[].message`, `error_description`). */
  text: string;
}

/** Reads status, reasons and message from a Gmail/Graph/OAuth error body (object or JSON text). */
export function httpFacts(status: number, body: unknown): HttpFacts {
  let b: unknown = body;
  if (Buffer.isBuffer(b)) b = b.toString('utf8');
  if (typeof b === 'string') {
    const text = b;
    try {
      b = JSON.parse(text);
    } catch {
      return { status, reasons: [], text: text.trim().slice(0, 500) };
    }
  }
  const reasons: string[] = [];
  const texts: string[] = [];
  const add = (list: string[], v: unknown) => {
    if (typeof v === 'string' && v && !list.includes(v)) list.push(v);
  };
  if (b && typeof b === 'object') {
    const root = b as Record<string, unknown>;
    const err = root.error;
    if (typeof err === 'string') {
      add(reasons, err); // OAuth token endpoint: {"error":"invalid_grant","error_description":"…"}
      add(texts, root.error_description);
    } else if (err && typeof err === 'object') {
      const e = err as Record<string, unknown>;
      if (Array.isArray(e.errors)) {
        for (const item of e.errors) {
          if (item && typeof item === 'object') add(reasons, (item as Record<string, unknown>).reason);
        }
      }
      add(reasons, typeof e.code === 'string' ? e.code : undefined); // Graph: "TooManyRequests"
      add(reasons, e.status); // Gmail: "RESOURCE_EXHAUSTED", "PERMISSION_DENIED"
      add(texts, e.message);
      if (Array.isArray(e.errors)) {
        for (const item of e.errors) {
          if (item && typeof item === 'object') add(texts, (item as Record<string, unknown>).message);
        }
      }
      const inner = (e.innerError ?? e.innererror) as Record<string, unknown> | undefined;
      if (inner && typeof inner === 'object') add(reasons, inner.code);
    }
  }
  return { status, reasons, text: texts.join(' — ') };
}

/** The Retry-After header among response headers, whatever its case. */
export function retryAfterHeader(headers: Record<string, string | undefined>): string | undefined {
  return Object.entries(headers).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
}
