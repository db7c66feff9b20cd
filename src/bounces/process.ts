import path from 'node:path';
import { normaliseAddress } from '../campaign/address.js';
import type { SuppressionList } from '../suppress/list.js';
import { lastEventByRecipient } from '../store/journal.js';
import type { AfterDeliveryEvent } from '../store/journal-line.js';
import type { IndexedCampaign } from './campaign-index.js';
import { classify, type MailReport } from './classify.js';
import type { Delivery } from './dsn.js';
import { noteInJournal } from './journal-note.js';
import { sentMessagesAmong, type SentMessage } from './match.js';
import { recipientOfMessageId } from './message-id-index.js';
import { mailParts, type MailParts } from './mime.js';

/** Larger messages are not read: no bounce or report is that big, and reading it would hold it in memory. */
export const maxMessageBytes = 25 * 1024 * 1024;

/** One message of the mailbox as a reader hands it over; `raw` is absent when it was too large to fetch. */
export interface MailboxMessage {
  /** Where it is, for the listing: "imap:UIDVALIDITY:UID", a Gmail or Graph id. */
  key: string;
  size: number;
  raw?: Buffer;
  receivedAt?: Date;
}

export const countNames = [
  'bounced',
  'soft_bounced',
  'complained',
  'unsubscribed',
  'auto_replies',
  'other',
  'unmatched',
  'malformed',
  'too_large',
] as const;
export type CheckCounts = Record<(typeof countNames)[number], number>;

/** What `bounces check` found: counts, what it suppressed, and what it could not match (never guessed). */
export interface CheckSummary {
  messages: number;
  counts: CheckCounts;
  suppressed: { address: string; reason: string; detail?: string }[];
  /** Bounces and reports that match no message mailshot sent, malformed ones, and those too large to read. */
  unmatched: { message: string; subject?: string; why: string }[];
  /** Matched events whose campaign's state folder is gone: suppressed, but not in a journal. */
  missing_campaigns: string[];
}

const listedLimit = 200;
/** A report refers to one message, with a few References at most: a message listing hundreds is not looked up in full. */
const maxReferencedIds = 20;

/** Reads each message, decides what it is, and suppresses and records what it proves. */
export class MailboxProcessor {
  private readonly unsubscribeAddresses: Set<string>;
  private readonly unreferencedUnsubscribes: { address: string; mailtos: string[]; at: Date }[] = [];
  readonly summary: CheckSummary = {
    messages: 0,
    counts: Object.fromEntries(countNames.map((name) => [name, 0])) as CheckCounts,
    suppressed: [],
    unmatched: [],
    missing_campaigns: [],
  };

  constructor(
    private readonly campaigns: readonly IndexedCampaign[],
    private readonly list: SuppressionList,
  ) {
    this.unsubscribeAddresses = new Set(campaigns.flatMap((campaign) => (campaign.unsubscribeMailto ? [campaign.unsubscribeMailto] : [])));
  }

  async handle(message: MailboxMessage): Promise<void> {
    this.summary.messages++;
    if (!message.raw || message.size > maxMessageBytes)
      return this.unmatched('too_large', message, `larger than 25 MB (${(message.size / 1048576).toFixed(1)} MB): not read`);
    let parts: MailParts;
    try {
      parts = await mailParts(message.raw);
    } catch (error) {
      return this.unmatched('malformed', message, `cannot be parsed: ${(error as Error).message}`);
    }
    const report = classify(parts, this.unsubscribeAddresses);
    const at = message.receivedAt ?? new Date();
    switch (report.kind) {
      case 'bounce':
        return this.bounce(report.deliveries, parts, message, at);
      case 'complaint':
        return this.complaint(report, parts, message, at);
      case 'unsubscribe':
        return this.unsubscribe(report.address, parts, at);
      case 'malformed':
        return this.unmatched('malformed', message, report.why, parts.subject);
      case 'auto-reply':
        this.summary.counts.auto_replies++;
        return;
      case 'other':
        this.summary.counts.other++;
    }
  }

  private async bounce(deliveries: Delivery[], parts: MailParts, message: MailboxMessage, at: Date): Promise<void> {
    const matches = sentMessagesAmong(this.campaigns, parts.referencedIds, [
      ...deliveries.flatMap((delivery) => delivery.address ?? []),
      ...parts.addresses,
    ]);
    const named = deliveries
      .map((delivery) => delivery.address)
      .filter(Boolean)
      .join(', ');
    if (!matches.length)
      return this.unmatched(
        'unmatched',
        message,
        `a bounce for ${named || 'an unnamed recipient'} that matches no message mailshot sent`,
        parts.subject,
      );
    for (const sent of matches) {
      // A forwarded or aliased address: the report names the final one, the returned message the one mailshot sent to.
      const delivery =
        deliveries.find((entry) => entry.address === sent.recipient) ?? (deliveries.length === 1 ? deliveries[0] : undefined);
      if (!delivery) continue;
      const detail = `${delivery.status}${delivery.diagnostic ? ` ${delivery.diagnostic}` : ''}`.slice(0, 500);
      if (delivery.hard) {
        await this.suppress(sent.recipient, 'bounced', `${detail} (campaign ${sent.campaign.campaignFile})`, at);
        this.summary.counts.bounced++;
      } else {
        const suppressed = await this.list.softBounce(sent.recipient, at, detail, message.key);
        if (suppressed) this.summary.suppressed.push(suppressed);
        this.summary.counts.soft_bounced++;
      }
      await this.note(sent, {
        ev: 'bounced',
        to: sent.recipient,
        at: at.getTime(),
        hard: delivery.hard,
        status: delivery.status,
        diagnostic: delivery.diagnostic?.slice(0, 500),
      });
    }
  }

  private async complaint(
    report: Extract<MailReport, { kind: 'complaint' }>,
    parts: MailParts,
    message: MailboxMessage,
    at: Date,
  ): Promise<void> {
    const matches = await this.complainedAbout(parts, [...report.recipients, ...parts.addresses]);
    if (!matches.length)
      return this.unmatched(
        'unmatched',
        message,
        `a complaint (${report.feedbackType}) that matches no message mailshot sent`,
        parts.subject,
      );
    for (const sent of matches) {
      await this.suppress(sent.recipient, 'complained', `${report.feedbackType} report (campaign ${sent.campaign.campaignFile})`, at);
      this.summary.counts.complained++;
      await this.note(sent, { ev: 'complained', to: sent.recipient, at: at.getTime(), feedback: report.feedbackType });
    }
  }

  /**
   * Whoever writes to the unsubscribe address is suppressed. The campaign's journal hears of it when the
   * mail refers to its message; a mail that refers to none (a mail client's unsubscribe button writes a
   * new one) goes to the journals of the campaigns with that address that were sent to it, in `finish()`.
   */
  private async unsubscribe(address: string, parts: MailParts, at: Date): Promise<void> {
    await this.suppress(address, 'unsubscribed', `mail to the unsubscribe address (${parts.subject.slice(0, 100) || 'no subject'})`, at);
    this.summary.counts.unsubscribed++;
    const matches = sentMessagesAmong(this.campaigns, parts.referencedIds, [address]);
    for (const sent of matches) await this.note(sent, { ev: 'unsubscribed', to: sent.recipient, at: at.getTime() });
    if (!matches.length) this.unreferencedUnsubscribes.push({ address: normaliseAddress(address), mailtos: parts.to, at });
  }

  /** Records the unsubscribes that named no message in each campaign with that unsubscribe address that sent to them: one journal read per campaign. */
  async finish(): Promise<void> {
    const pending = this.unreferencedUnsubscribes.splice(0);
    for (const campaign of this.campaigns) {
      const wanted = pending.filter((entry) => campaign.unsubscribeMailto && entry.mailtos.includes(campaign.unsubscribeMailto));
      if (!wanted.length) continue;
      const last = await lastEventByRecipient(path.join(campaign.stateDir, 'journal.jsonl'), () => undefined);
      const events = wanted
        .filter((entry) => last.get(entry.address) === 'sent')
        .map((entry): AfterDeliveryEvent => ({ ev: 'unsubscribed', to: entry.address, at: entry.at.getTime() }));
      if (events.length) await noteInJournal(campaign.stateDir, events);
    }
  }

  /**
   * The messages a complaint is about: by Message-ID and a named address, or — when it names no address
   * mailshot sent to (RFC 6590 redaction, a forwarder's rewrite) — by Message-ID alone, through each
   * campaign's index of the Message-IDs it sent. A bounce always names the address that failed: one
   * for another address (a forward's target) suppresses nobody.
   */
  private async complainedAbout(parts: MailParts, addresses: string[]): Promise<SentMessage[]> {
    const named = sentMessagesAmong(this.campaigns, parts.referencedIds, addresses);
    if (named.length) return named;
    const found: SentMessage[] = [];
    for (const messageId of parts.referencedIds.slice(0, maxReferencedIds))
      for (const campaign of this.campaigns) {
        const recipient = await recipientOfMessageId(campaign, messageId);
        if (recipient) found.push({ campaign, recipient, messageId });
      }
    return found;
  }

  private async suppress(address: string, reason: 'bounced' | 'complained' | 'unsubscribed', detail: string, at: Date): Promise<void> {
    const added = await this.list.add([{ address, reason, detail, at: at.toISOString() }]);
    this.summary.suppressed.push(...added);
  }

  private async note(sent: SentMessage, event: AfterDeliveryEvent): Promise<void> {
    if (await noteInJournal(sent.campaign.stateDir, [event])) return;
    if (!this.summary.missing_campaigns.includes(sent.campaign.campaignFile))
      this.summary.missing_campaigns.push(sent.campaign.campaignFile);
  }

  private unmatched(count: 'unmatched' | 'malformed' | 'too_large', message: MailboxMessage, why: string, subject?: string): void {
    this.summary.counts[count]++;
    if (this.summary.unmatched.length < listedLimit)
      this.summary.unmatched.push({ message: message.key, ...(subject ? { subject: subject.slice(0, 200) } : {}), why });
  }
}
