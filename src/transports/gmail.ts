import { gmail, type gmail_v1 } from '@googleapis/gmail';
import { allows, googleEndpoints } from '../auth/google-oauth.js';
import { MailshotError } from '../errors.js';
import { logHttp } from '../system/protocol-log.js';
import { credentialRedactor, redactError } from '../system/redact.js';
import { classifyHttpError } from './classify.js';
import { systemCode } from './error-codes.js';
import { httpSendFailure } from './hand-over.js';
import { localTime } from '../system/local-time.js';
import {
  acceptedByApi,
  DeliveryError,
  rawWithBccHeader,
  type Accepted,
  type AccountInfo,
  type OutgoingMessage,
  type TokenSource,
  type Transport,
} from './transport.js';

const requestTimeoutMs = 120_000;

/** What the Gmail transport needs to know about the account. */
export interface GmailSettings {
  name: string;
  /** The mailbox address. */
  address: string;
  /** Linked with permission to look messages up in Sent. */
  reconcile: boolean;
}

/** Google's tokens also say which scopes they carry and until when they are valid (for `accounts test`). */
export interface GoogleTokenSource extends TokenSource {
  grantedScopes(): string[];
  expiresAt(): Date | undefined;
}

/**
 * Above this size a message goes through the media upload endpoint (up to 35 MB) rather than as JSON
 * `raw`, which base64 makes a third larger; Google advises the upload for anything over a few megabytes.
 */
const uploadThreshold = 5 * 1024 * 1024;

/** Sends through the Gmail API (`users.messages.send`) as the linked account. */
export class GmailTransport implements Transport {
  private readonly api: gmail_v1.Gmail;
  private readonly rootUrl = googleEndpoints().gmail;
  /** Only for accounts linked with --reconcile: whether a message with this Message-ID is in Sent. */
  readonly findSent?: (messageId: string) => Promise<boolean>;

  constructor(
    private readonly account: GmailSettings,
    private readonly tokens: GoogleTokenSource,
  ) {
    // No retries inside the client: the send loop decides, so a message Google may hold is not sent twice behind its back.
    this.api = gmail({ version: 'v1', retry: false });
    if (account.reconcile) this.findSent = (messageId) => this.lookUpSent(messageId);
  }

  /** Renews the access token and checks that it allows sending; sends nothing. */
  async verify(): Promise<AccountInfo> {
    const { tokens } = this;
    try {
      await tokens.current();
    } catch (error) {
      throw this.failure(error);
    }
    const granted = tokens.grantedScopes();
    if (granted.length && !allows(granted, 'send')) {
      throw new DeliveryError(
        'auth',
        `the account's permissions do not include sending email (granted: ${granted.join(' ')}); link it again and allow sending: mailshot accounts remove ${this.account.name}, then mailshot accounts add google ${this.account.name} --client-id …`,
      );
    }
    const facts: Record<string, string> = {
      address: this.account.address,
      permissions: allows(granted, 'lookUp') ? 'send, look up Sent' : 'send',
    };
    const expiresAt = tokens.expiresAt();
    if (expiresAt) facts['access token'] = `renewed, valid until ${localTime(expiresAt, { seconds: true })}`;
    return { facts };
  }

  async send(message: OutgoingMessage): Promise<Accepted> {
    // Gmail takes the recipients from To, Cc and Bcc, and removes Bcc from what it delivers.
    const raw = rawWithBccHeader(message);
    const { data } = await this.authorized(
      (options) =>
        raw.length > uploadThreshold
          ? this.api.users.messages.send({ userId: 'me', media: { mimeType: 'message/rfc822', body: raw } }, options)
          : this.api.users.messages.send({ userId: 'me', requestBody: { raw: raw.toString('base64url') } }, options),
      true,
    );
    return acceptedByApi(message, `gmail id ${data.id}`);
  }

  async close(): Promise<void> {
    // Nothing is held open: each request is one HTTP exchange.
  }

  /** For `bounces check` (accounts linked with --read-mail): one page of the ids of messages matching a search, newest first. */
  async listMessages(q: string, pageToken?: string): Promise<{ ids: string[]; nextPageToken?: string }> {
    const { data } = await this.authorized((options) =>
      this.api.users.messages.list({ userId: 'me', q, maxResults: 100, pageToken }, options),
    );
    return {
      ids: (data.messages ?? []).flatMap((message) => (message.id ? [message.id] : [])),
      nextPageToken: data.nextPageToken ?? undefined,
    };
  }

  /** One message as MIME (`format=raw`), with when Gmail received it and its labels (INBOX, SPAM …). */
  async rawMessage(id: string): Promise<{ raw: Buffer; receivedAt?: Date; labelIds: string[] }> {
    const { data } = await this.authorized((options) => this.api.users.messages.get({ userId: 'me', id, format: 'raw' }, options));
    return {
      raw: Buffer.from(data.raw ?? '', 'base64url'),
      receivedAt: data.internalDate ? new Date(Number(data.internalDate)) : undefined,
      labelIds: data.labelIds ?? [],
    };
  }

  private async lookUpSent(messageId: string): Promise<boolean> {
    const rfc822msgid = messageId.replace(/^<|>$/g, '');
    const { data } = await this.authorized((options) =>
      this.api.users.messages.list({ userId: 'me', q: `in:sent rfc822msgid:${rfc822msgid}`, maxResults: 1 }, options),
    );
    return (data.messages?.length ?? 0) > 0;
  }

  /**
   * Runs a request with the current access token. A 401 means Google ended the token early: renew it
   * and run the request once more (a rejected request did nothing, so a send is not duplicated).
   * Every failure comes out as a DeliveryError; a send that got no answer at all may have been handed over.
   */
  private async authorized<T>(request: (options: RequestOptions) => Promise<T>, sends = false): Promise<T> {
    // rootUrl per call: the client's own rootUrl option does not reach the upload address.
    const options = (token: string): RequestOptions => ({
      rootUrl: this.rootUrl,
      headers: { authorization: `Bearer ${token}` },
      timeout: requestTimeoutMs,
    });
    const sent: string[] = [];
    try {
      const token = await this.tokens.current();
      sent.push(token);
      const attempt = (current: string) =>
        logged(request(options(current))).catch((error: unknown) => {
          const failure = this.failure(error);
          throw sends && !responseOf(error) && failure instanceof DeliveryError ? httpSendFailure(failure, systemCode(error)) : error;
        });
      try {
        return await attempt(token);
      } catch (error) {
        if (responseOf(error)?.status !== 401) throw error;
        const renewed = await this.tokens.renew(token);
        sent.push(renewed);
        return await attempt(renewed);
      }
    } catch (error) {
      // Google's words go on to errors and the journal: without the tokens this request carried.
      throw redactError(this.failure(error), credentialRedactor({ tokens: sent }));
    }
  }

  private failure(error: unknown): Error {
    if (error instanceof DeliveryError || error instanceof MailshotError) return error;
    const response = responseOf(error);
    if (response) {
      return classifyHttpError(response.status, response.data, plainHeaders(response.headers), {
        account: this.account.name,
        provider: 'google',
      });
    }
    // No answer at all: the network (the send loop pauses and retries; the first connect says "resume later").
    const code = systemCode(error);
    return new DeliveryError('transient', `network error talking to Google: ${code ?? (error as Error).message}`, code ? { code } : {});
  }
}

/** --debug: each Gmail API exchange as one line (method, address, status; never a header or a body). */
async function logged<T>(request: Promise<T>): Promise<T> {
  const exchange = (answer: unknown) => {
    const { config, status } = (answer ?? {}) as { config?: { url?: string | URL; method?: string }; status?: number };
    if (config?.url && status) logHttp('gmail', config.method ?? 'GET', String(config.url), status);
  };
  try {
    const result = await request;
    exchange(result);
    return result;
  } catch (error) {
    exchange((error as { response?: unknown } | undefined)?.response);
    throw error;
  }
}

interface RequestOptions {
  rootUrl: string;
  headers: { authorization: string };
  /** The whole request, upload and answer included: a hung or trickling API cannot hold the run. */
  timeout: number;
}

interface HttpResponse {
  status: number;
  data?: unknown;
  headers?: unknown;
}

/** The HTTP answer inside a gaxios error (API calls and the token endpoint alike), if there was one. */
function responseOf(error: unknown): HttpResponse | undefined {
  const response = (error as { response?: HttpResponse } | undefined)?.response;
  return response && typeof response.status === 'number' ? response : undefined;
}

/** gaxios gives a fetch `Headers` object (node-fetch's or the platform's). */
function plainHeaders(headers: unknown): Record<string, string> {
  const entries = (headers as { entries?: () => Iterable<[string, string]> } | undefined)?.entries;
  return typeof entries === 'function' ? Object.fromEntries(entries.call(headers)) : ((headers ?? {}) as Record<string, string>);
}
