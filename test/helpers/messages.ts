/** Reading what mailshot produced: the outbox's .eml files, parsed with mailparser, and byte-level checks. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import type { CampaignFixture } from './cli.js';

export interface ProducedMessage {
  raw: Buffer;
  mail: ParsedMail;
}

export function addressesOf(field: AddressObject | AddressObject[] | undefined): string[] {
  return (Array.isArray(field) ? field : field ? [field] : []).flatMap((object) =>
    object.value.map((entry) => entry.address!.toLowerCase()),
  );
}

/** Every .eml of the outbox, parsed, keyed by the lower-cased To address. */
export async function outboxMessages(campaign: CampaignFixture): Promise<Map<string, ProducedMessage>> {
  const messages = new Map<string, ProducedMessage>();
  for (const file of await readdir(campaign.outbox)) {
    const raw = await readFile(path.join(campaign.outbox, file));
    const mail = await simpleParser(raw, { keepCidLinks: true });
    messages.set(addressesOf(mail.to)[0], { raw, mail });
  }
  return messages;
}

/** Offsets of every CR not followed by LF and every LF not preceded by CR (RFC 5322 §2.3 allows neither). */
export function bareLineEnds(raw: Buffer): number[] {
  const found: number[] = [];
  for (let index = 0; index < raw.length; index++) {
    if (raw[index] === 0x0d && raw[index + 1] !== 0x0a) found.push(index);
    if (raw[index] === 0x0a && raw[index - 1] !== 0x0d) found.push(index);
  }
  return found;
}

/** The MIME tree as nested content types: `multipart/mixed(multipart/alternative(text/plain,…),…)`. */
export function mimeShape(raw: Buffer): string {
  const text = raw.toString('latin1');
  const parse = (part: string): string => {
    const headEnd = part.indexOf('\r\n\r\n');
    const head = part.slice(0, headEnd).replace(/\r\n[ \t]+/g, ' ');
    const type = /^content-type:\s*([^;\r\n]+)/im.exec(head)?.[1].trim().toLowerCase() ?? 'text/plain';
    if (!type.startsWith('multipart/')) return type;
    const boundary = /boundary="?([^";\r\n]+)"?/i.exec(head)![1];
    const body = part.slice(headEnd + 4);
    const children = body
      .split(`--${boundary}`)
      .slice(1, -1)
      .map((child) => parse(child.replace(/^\r\n/, '')));
    return `${type}(${children.join(',')})`;
  };
  return parse(text);
}
