/**
 * What Gmail's messages.send and Graph's MIME sendMail do with the recipient headers of a raw message:
 * they send to every address in To, Cc and Bcc, and remove the Bcc header from the copies they deliver
 * (it stays in the sender's Sent copy). Both simulators use this, so a test sees what recipients get.
 */
import addressparser from 'nodemailer/lib/addressparser';

export interface HeaderRecipients {
  to: string[];
  cc: string[];
  bcc: string[];
  /** The message as delivered: without its Bcc header. */
  delivered: Buffer;
}

export function headerRecipients(raw: Buffer): HeaderRecipients {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
  const fields = head.split(/\r\n(?![ \t])/);
  const addresses = (name: string) =>
    fields
      .filter((field) => field.toLowerCase().startsWith(`${name}:`))
      .flatMap((field) => addressparser(field.slice(name.length + 1).replace(/\r\n[ \t]+/g, ' '), { flatten: true }))
      .map((entry) => ('address' in entry ? entry.address.toLowerCase() : ''))
      .filter(Boolean);
  const kept = fields.filter((field) => !field.toLowerCase().startsWith('bcc:')).join('\r\n');
  const delivered = Buffer.concat([Buffer.from(kept, 'utf8'), end === -1 ? Buffer.alloc(0) : raw.subarray(end)]);
  return { to: addresses('to'), cc: addresses('cc'), bcc: addresses('bcc'), delivered };
}

/** Every address the message goes to, each counted against the sender's daily recipient limit. */
export function allRecipients({ to, cc, bcc }: HeaderRecipients): string[] {
  return [...to, ...cc, ...bcc];
}
