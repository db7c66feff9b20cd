import { isIP } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { InputError } from '../../errors.js';

/** A look-up as mailauth calls it: (name, rrtype) → what node:dns's resolve() returns. */
export type DnsLookup = (name: string, type: string) => Promise<never>;

/** The DNS look-ups of a check: the system's resolver, or the server of `--dns-server` / MAILSHOT_DNS_SERVER. */
export interface Dns {
  lookup: DnsLookup;
  /** The TXT strings at `name` (each record's character-strings joined); [] when there is none. */
  txt(name: string): Promise<string[]>;
  /** IPv4 and IPv6 addresses of a host (itself when it is an address). */
  addresses(host: string): Promise<string[]>;
  /** Ends the look-ups in progress (they fail with ECANCELLED): a deadline ran out. */
  cancel(): void;
}

const timeoutMs = 5000;

export function dnsResolver(server = process.env.MAILSHOT_DNS_SERVER, tries = 2): Dns {
  const resolver = new Resolver({ timeout: timeoutMs, tries });
  if (server) resolver.setServers([serverAddress(server)]);
  const lookup = ((name: string, type: string) => resolver.resolve(name, type)) as DnsLookup;
  return {
    lookup,
    cancel: () => resolver.cancel(),
    txt: async (name) => ((await absentIsEmpty(resolver.resolveTxt(name))) as string[][]).map((parts) => parts.join('')),
    async addresses(host) {
      if (isIP(host)) return [host];
      const [v4, v6] = await Promise.all([absentIsEmpty(resolver.resolve4(host)), absentIsEmpty(resolver.resolve6(host))]);
      return [...v4, ...v6] as string[];
    },
  };
}

/** "HOST:PORT", "HOST" or "[V6]:PORT", checked: a typo must not silently fall back to the system's resolver. */
function serverAddress(text: string): string {
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:\s]+))(?::(\d{1,5}))?$/i.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3] ?? 53);
  if (!host || !isIP(host) || port < 1 || port > 65535)
    throw new InputError(
      `--dns-server / MAILSHOT_DNS_SERVER "${text}": give the DNS server as an IP address with an optional port, e.g. 127.0.0.1:5353`,
    );
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** No such name, or no record of that type: an empty answer, not an error. */
export async function absentIsEmpty<T>(answer: Promise<T[]>): Promise<T[]> {
  try {
    return await answer;
  } catch (error) {
    if (isAbsent(error)) return [];
    throw error;
  }
}

export function isAbsent(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOTFOUND' || code === 'ENODATA';
}
