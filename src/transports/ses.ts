import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { sesFailure } from './ses-errors.js';
import { acceptedByApi, type Accepted, type AccountInfo, type OutgoingMessage, type Transport } from './transport.js';

/** What the SES transport needs to know about the account. */
export interface SesSettings {
  name: string;
  region: string;
}

/** The account's sending quota as SES states it (GetAccount). */
export interface SesQuota {
  max24HourSend: number;
  /** Messages per second. */
  maxSendRate: number;
  sentLast24Hours: number;
  sendingEnabled: boolean;
}

const requestTimeoutMs = 60_000;

/**
 * Sends through the Amazon SES v2 API: SendEmail with mailshot's MIME message unchanged as Content.Raw,
 * the envelope recipients (Bcc included) as the Destination. Credentials come from the AWS default chain;
 * AWS_ENDPOINT_URL_SESV2 points the SDK elsewhere (the tests' simulator). The SDK retries nothing:
 * pacing, retries and pauses are the send loop's, from the classified DeliveryError.
 */
export class SesTransport implements Transport {
  private client?: Promise<SESv2Client>;

  constructor(private readonly account: SesSettings) {}

  async verify(): Promise<AccountInfo> {
    const quota = await this.quota();
    const left = Math.max(0, quota.max24HourSend - quota.sentLast24Hours);
    return {
      facts: {
        region: this.account.region,
        quota: `${left} of ${quota.max24HourSend} left (${quota.sentLast24Hours} sent in the last 24 hours)`,
        'maximum rate': `${quota.maxSendRate}/s`,
        sending: quota.sendingEnabled ? 'enabled' : 'PAUSED for this account: resume it in the SES console',
      },
    };
  }

  async quota(): Promise<SesQuota> {
    const { GetAccountCommand } = await import('@aws-sdk/client-sesv2');
    const reply = await this.call(async (client) => client.send(new GetAccountCommand({})), false);
    const quota = reply.SendQuota ?? {};
    return {
      max24HourSend: quota.Max24HourSend ?? 0,
      maxSendRate: quota.MaxSendRate ?? 1,
      sentLast24Hours: quota.SentLast24Hours ?? 0,
      sendingEnabled: reply.SendingEnabled !== false,
    };
  }

  async send(message: OutgoingMessage): Promise<Accepted> {
    const { SendEmailCommand } = await import('@aws-sdk/client-sesv2');
    const command = new SendEmailCommand({
      FromEmailAddress: message.from,
      Destination: { ToAddresses: [message.to], CcAddresses: message.cc, BccAddresses: message.bcc },
      Content: { Raw: { Data: message.raw } },
    });
    const reply = await this.call(async (client) => client.send(command), true);
    return acceptedByApi(message, `SES MessageId ${reply.MessageId ?? '(none)'}`);
  }

  async close(): Promise<void> {
    if (this.client) (await this.client).destroy();
  }

  private async call<T>(request: (client: SESv2Client) => Promise<T>, sending: boolean): Promise<T> {
    const client = await (this.client ??= this.makeClient());
    try {
      return await request(client);
    } catch (error) {
      throw sesFailure(error, { account: this.account.name, region: this.account.region, sending });
    }
  }

  private async makeClient(): Promise<SESv2Client> {
    const { SESv2Client } = await import('@aws-sdk/client-sesv2');
    // One attempt per call: a retry inside the SDK would hide throttling from the send loop's pacing.
    return new SESv2Client({ region: this.account.region, maxAttempts: 1, requestHandler: { requestTimeout: requestTimeoutMs } });
  }
}
