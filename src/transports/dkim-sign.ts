import { buffer } from 'node:stream/consumers';

/** Signs with the account's own key when its relay does not sign (`accounts set … --dkim-*`). */
export interface DkimKey {
  domainName: string;
  keySelector: string;
  /** PEM. */
  privateKey: string;
}

// nodemailer's signer loads with the first signed message: accounts without a key never need it.
let signerModule: Promise<typeof import('nodemailer/lib/dkim')> | undefined;

/** The message with a DKIM-Signature header added by nodemailer's signer. */
export async function dkimSigned(raw: Buffer, key: DkimKey): Promise<Buffer> {
  const { default: DKIM } = await (signerModule ??= import('nodemailer/lib/dkim'));
  return buffer(new DKIM(key).sign(raw));
}
