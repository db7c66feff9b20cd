/**
 * A small authoritative DNS server on 127.0.0.1 (UDP, an ephemeral port) for the deliverability tests:
 * it answers A, AAAA, TXT and CNAME questions from a zone the test gives it, NXDOMAIN for names it does
 * not hold and an empty answer for a type a name lacks, as a real server does. TXT values longer than
 * 255 bytes go out as several character-strings (RFC 7208 §3.3), which the resolver joins.
 */
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';

export type ZoneRecord = { type: 'A' | 'AAAA' | 'CNAME'; data: string } | { type: 'TXT'; data: string };
export type Zone = Record<string, ZoneRecord[]>;

export interface DnsTestServer {
  /** "127.0.0.1:PORT", for --dns-server and MAILSHOT_DNS_SERVER. */
  address: string;
  zone: Zone;
  /** Names asked for, in order, lower case. */
  questions: string[];
  close(): Promise<void>;
}

function splitTxt(text: string): Buffer[] {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += 255) chunks.push(bytes.subarray(start, start + 255));
  return chunks.length ? chunks : [Buffer.alloc(0)];
}

function answersFor(zone: Zone, name: string, type: string): dnsPacket.Answer[] | undefined {
  const records = zone[name.toLowerCase()];
  if (!records) return undefined;
  // a CNAME goes out with what its target holds, as a recursive resolver hands it back
  return records
    .filter((record) => record.type === type || record.type === 'CNAME')
    .flatMap((record): dnsPacket.Answer[] =>
      record.type === 'TXT'
        ? [{ type: 'TXT', name, ttl: 60, class: 'IN', data: splitTxt(record.data) }]
        : [
            { type: record.type, name, ttl: 60, class: 'IN', data: record.data } as dnsPacket.Answer,
            ...(record.type === 'CNAME' && type !== 'CNAME' ? (answersFor(zone, record.data, type) ?? []) : []),
          ],
    );
}

/** `silent`: a server that never answers, as a resolver behind a dead network; `held`: answers only once it resolves. */
export async function startDnsServer(zone: Zone, options: { silent?: boolean; held?: Promise<void> } = {}): Promise<DnsTestServer> {
  const socket = createSocket('udp4');
  const questions: string[] = [];
  const lowerZone: Zone = Object.fromEntries(Object.entries(zone).map(([name, records]) => [name.toLowerCase(), records]));
  socket.on('message', async (message, peer) => {
    await options.held;
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (!question) return;
    questions.push(question.name.toLowerCase());
    if (options.silent) return;
    const answers = answersFor(lowerZone, question.name, question.type);
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (answers ? 0 : 3), // rcode 3: NXDOMAIN
      questions: [question],
      answers: answers ?? [],
    });
    socket.send(response, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    zone: lowerZone,
    questions,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
