import addressparser from 'nodemailer/lib/addressparser';
import isEmailModule from 'validator/lib/isEmail.js';
import { canonicalAddress } from './canonical-address.js';

export interface Mailbox {
  name: string;
  address: string;
}

// validator is CommonJS; its default export is the module, which carries the function as `default`.
const isEmail = isEmailModule.default;
const emailRules = { allow_utf8_local_part: true, require_tld: true, allow_ip_domain: false } as const;

/** A bare address as found in a CSV cell: valid or not. */
export function isValidAddress(address: string): boolean {
  return isEmail(address, emailRules);
}

/**
 * A local part beyond ASCII ("jörg@example.com", RFC 6531) is delivered only where every server on the
 * way speaks SMTPUTF8, which mailshot cannot know: such addresses are refused. A non-ASCII domain is
 * fine: it goes out in its ASCII form (xn--…).
 */
export function hasUtf8LocalPart(address: string): boolean {
  return /[^\x00-\x7f]/.test(address.slice(0, address.lastIndexOf('@')));
}

/**
 * The form a recipient is identified by (for lists kept outside a campaign, e.g. suppressions): the
 * canonical address, or the trimmed, lower-cased text when it is not a deliverable address.
 */
export function normaliseAddress(address: string): string {
  const checked = canonicalAddress(address);
  return 'address' in checked ? checked.address : address.trim().toLowerCase();
}

/** One mailbox, optionally with a display name ("Ann <ann@example.com>"); null when it is not exactly one valid mailbox. */
export function parseMailbox(text: string): Mailbox | null {
  if (/[\r\n\0]/.test(text)) return null;
  const parsed = addressparser(text, { flatten: true });
  if (parsed.length !== 1) return null;
  const [mailbox] = parsed;
  if (!('address' in mailbox) || !mailbox.address || !isValidAddress(mailbox.address)) return null;
  return { name: mailbox.name, address: mailbox.address };
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}
