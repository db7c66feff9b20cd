/** Where a test message landed in the mailbox, and what the receiving server said of its authentication. */
export interface Landing {
  folder: string;
  junk: boolean;
  /** Each Authentication-Results header's value, as the receiving server wrote it (newest first). */
  authenticationResults: string[];
}

/** One method's verdict in an Authentication-Results header (RFC 8601): spf=pass smtp.mailfrom=… */
export interface AuthVerdict {
  method: string;
  result: string;
  /** The domain (or address) it was judged for: smtp.mailfrom, header.d, header.from … */
  properties: Record<string, string>;
}

const methods = new Set(['spf', 'dkim', 'dmarc', 'arc']);

/** The spf, dkim, dmarc and arc verdicts of an Authentication-Results value; comments in parentheses are dropped. */
export function authVerdicts(value: string): AuthVerdict[] {
  const text = value.replace(/\r?\n[ \t]+/g, ' ').replace(/\([^()]*\)/g, ' ');
  return text
    .split(';')
    .slice(1) // the authserv-id
    .map((part) => part.trim().split(/\s+/))
    .flatMap(([head = '', ...rest]) => {
      const [method = '', result = ''] = head.toLowerCase().split('=');
      if (!methods.has(method)) return [];
      const properties = Object.fromEntries(
        rest.flatMap((item) => {
          const at = item.indexOf('=');
          return at > 0 ? [[item.slice(0, at).toLowerCase(), item.slice(at + 1)]] : [];
        }),
      );
      return [{ method, result, properties }];
    });
}

/** "spf=pass (smtp.mailfrom=news@club.example)" for a person. */
export function verdictText(verdict: AuthVerdict): string {
  const about = Object.entries(verdict.properties)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  return `${verdict.method}=${verdict.result}${about ? ` (${about})` : ''}`;
}

/** The Authentication-Results values of a message's header (or of a header block), in order. */
export function authenticationResultsOf(raw: Buffer | undefined): string[] {
  const text = raw?.toString('utf8') ?? '';
  const end = text.search(/\r?\n\r?\n/);
  const header = (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  return [...header.matchAll(/^authentication-results:[ \t]*(.*)$/gim)].map((match) => match[1]!.trim());
}
