import { domainToASCII } from 'node:url';
import addressparser from 'nodemailer/lib/addressparser';
import { InputError } from '../errors.js';
import { hasUtf8LocalPart, isValidAddress, normaliseAddress, type Mailbox } from './address.js';

/**
 * The addresses a rendered `cc` or `bcc` entry names: none when it rendered empty (an empty CSV cell),
 * one or more, comma-separated. Anything that is not a deliverable address stops this recipient's message.
 */
export function parseCopies(field: 'cc' | 'bcc', rendered: string[]): Mailbox[] {
  const mailboxes: Mailbox[] = [];
  for (const text of rendered) {
    if (!text.trim()) continue;
    for (const entry of addressparser(text, { flatten: true })) {
      const address = 'address' in entry ? entry.address : '';
      if (!address || !isValidAddress(address) || hasUtf8LocalPart(address)) {
        throw new InputError(
          `field "${field}" rendered to "${text}", in which "${address || text}" is not an address mailshot can send to; fix the campaign file or the CSV value`,
        );
      }
      mailboxes.push({ name: entry.name, address });
    }
  }
  return mailboxes;
}

/** The envelope form of an address: domain in ASCII (xn--…), as nodemailer writes it in the headers. */
export function asciiAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}@${domainToASCII(address.slice(at + 1)) || address.slice(at + 1)}`;
}

/** Copies that add a recipient: not the To address again, nor one already listed. */
export function extraRecipients(to: string, cc: Mailbox[], bcc: Mailbox[]): { cc: Mailbox[]; bcc: Mailbox[] } {
  if (!cc.length && !bcc.length) return { cc, bcc };
  const seen = new Set([normaliseAddress(to)]);
  const fresh = (mailbox: Mailbox) => {
    const key = normaliseAddress(mailbox.address);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  return { cc: cc.filter(fresh), bcc: bcc.filter(fresh) };
}
