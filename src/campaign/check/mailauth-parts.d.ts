// mailauth's CommonJS parts used by the pre-flight that its own type definitions do not cover.
declare module 'mailauth/lib/tools.js' {
  /** Fetches and checks the DKIM key at `name` (`selector._domainkey.domain`). */
  export function getPublicKey(
    type: 'DKIM',
    name: string,
    minBitLength: number,
    resolver: (name: string, type: string) => Promise<unknown>,
  ): Promise<{ publicKey: string; rr: string; modulusLength?: number }>;
}

declare module 'mailauth/lib/dmarc/get-dmarc-record.js' {
  /** The DMARC record of the domain or, failing that, of its organisational domain; false when there is none. */
  export default function getDmarcRecord(
    domain: string,
    resolver: (name: string, type: string) => Promise<unknown>,
  ): Promise<false | { p?: string; sp?: string; adkim?: string; aspf?: string; pct?: number; rr: string; isOrgRecord: boolean }>;
}
