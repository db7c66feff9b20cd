import { graphApiUrl, IdentityFailure, networkErrorText } from '../auth/microsoft-oauth.js';
import { credentialRedactor, redactError } from '../system/redact.js';
import { classifyHttpError } from './classify.js';
import { httpFetch } from '../system/http.js';
import { httpSendFailure } from './hand-over.js';
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

/** What the Graph transport needs to know about the account. */
export interface GraphSettings {
  name: string;
  /** Linked with permission to look messages up in Sent Items. */
  reconcile: boolean;
}

const requestTimeoutMs = 60_000;

/**
 * Sends through Microsoft Graph as the signed-in mailbox: `POST /me/sendMail` with the whole MIME message,
 * base64-encoded, as `text/plain`. The access token comes from MSAL's cache (kept in the secret store) and
 * is renewed with the refresh token when due; a 401 forces one renewal and one retry of that request.
 * Pacing, retries and pauses are the send loop's: every failure is thrown as a classified DeliveryError.
 */
export class GraphTransport implements Transport {
  /** Only accounts linked with permission to read Sent can settle a recipient left in doubt. */
  readonly findSent?: (messageId: string) => Promise<boolean>;

  constructor(
    private readonly account: GraphSettings,
    private readonly tokens: TokenSource,
  ) {
    if (account.reconcile) this.findSent = (messageId) => this.isInSentItems(messageId);
  }

  async verify(): Promise<AccountInfo> {
    const me = (await (await this.call('GET', '/me')).json()) as { displayName?: string; mail?: string | null; userPrincipalName?: string };
    const facts: Record<string, string> = { address: me.mail || me.userPrincipalName || '(none)' };
    if (me.displayName) facts.name = me.displayName;
    facts.graph = graphApiUrl();
    facts.reconcile = this.account.reconcile
      ? 'yes: a recipient left in doubt is looked up in Sent Items'
      : 'no (link with --reconcile to look up recipients left in doubt)';
    return { facts };
  }

  async send(message: OutgoingMessage): Promise<Accepted> {
    // Exchange takes the recipients of a MIME message from To, Cc and Bcc, and removes Bcc from what it delivers.
    const response = await this.call(
      'POST',
      '/me/sendMail',
      { 'Content-Type': 'text/plain' },
      rawWithBccHeader(message).toString('base64'),
    );
    await response.body?.cancel();
    const requestId = response.headers.get('request-id');
    return acceptedByApi(message, `${response.status} Accepted${requestId ? ` (request-id ${requestId})` : ''}`);
  }

  async close(): Promise<void> {}

  /**
   * For `bounces check` (accounts linked with --read-mail): one page of the Inbox's messages received from
   * `since` on, oldest first; `next` is the @odata.nextLink of the page before.
   */
  async listInbox(since: Date, next?: string): Promise<{ items: { id: string; receivedAt: Date }[]; next?: string }> {
    const filter = `receivedDateTime ge ${since.toISOString()}`;
    const path = next
      ? next.slice(graphApiUrl().length)
      : `/me/mailFolders/inbox/messages?$filter=${encodeURIComponent(filter)}&$orderby=receivedDateTime%20asc&$select=id,receivedDateTime&$top=100`;
    const page = (await (await this.call('GET', path)).json()) as {
      value?: { id: string; receivedDateTime: string }[];
      '@odata.nextLink'?: string;
    };
    return {
      items: (page.value ?? []).map((item) => ({ id: item.id, receivedAt: new Date(item.receivedDateTime) })),
      next: page['@odata.nextLink'],
    };
  }

  /** One message as MIME (`/$value`). */
  async mimeOf(id: string): Promise<Buffer> {
    return Buffer.from(await (await this.call('GET', `/me/messages/${encodeURIComponent(id)}/$value`)).arrayBuffer());
  }

  /** The id of the message with this Message-ID in a well-known folder (inbox, junkemail, sentitems), if there is one. */
  async messageInFolder(folder: 'inbox' | 'junkemail' | 'sentitems', messageId: string): Promise<string | undefined> {
    const filter = `internetMessageId eq '${messageId.replace(/'/g, "''")}'`;
    const response = await this.call('GET', `/me/mailFolders/${folder}/messages?$filter=${encodeURIComponent(filter)}&$select=id`);
    const { value } = (await response.json()) as { value?: { id?: string }[] };
    return Array.isArray(value) ? value.find((item) => typeof item.id === 'string')?.id : undefined;
  }

  private async isInSentItems(messageId: string): Promise<boolean> {
    return (await this.messageInFolder('sentitems', messageId)) !== undefined;
  }

  /** One Graph request; a 401 renews the token and tries once more. */
  private async call(method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}, body?: string): Promise<Response> {
    const sent = [await this.token(() => this.tokens.current())];
    let response = await this.request(method, path, headers, body, sent[0]!);
    if (response.status === 401) {
      await response.body?.cancel();
      sent.push(await this.token(() => this.tokens.renew(sent[0]!)));
      response = await this.request(method, path, headers, body, sent[1]!);
    }
    if (!response.ok) {
      const headerMap = Object.fromEntries(response.headers);
      // Graph's words go on to errors and the journal: without the tokens this request carried.
      const failure = classifyHttpError(response.status, await response.text(), headerMap, {
        account: this.account.name,
        provider: 'microsoft',
      });
      throw redactError(failure, credentialRedactor({ tokens: sent }));
    }
    return response;
  }

  private async request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    token: string,
  ): Promise<Response> {
    try {
      return await httpFetch('graph', `${graphApiUrl()}${path}`, {
        method,
        headers: { ...headers, Authorization: `Bearer ${token}` },
        body,
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (error) {
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      const failure = new DeliveryError(
        'transient',
        `cannot reach Microsoft Graph at ${new URL(graphApiUrl()).host} (${networkErrorText(error)})`,
        typeof code === 'string' ? { code } : {},
      );
      // No response to a sendMail: Graph may have taken the message (a timeout, a reset after the request).
      throw path === '/me/sendMail' ? httpSendFailure(failure, typeof code === 'string' ? code : undefined) : failure;
    }
  }

  /** An access token (renewed when due, or after a 401); a refusal comes out as a classified DeliveryError. */
  private async token(get: () => Promise<string>): Promise<string> {
    try {
      return await get();
    } catch (error) {
      throw this.tokenFailure(error);
    }
  }

  private tokenFailure(error: unknown): unknown {
    if (!(error instanceof IdentityFailure)) return error;
    if (error.unreachable) return new DeliveryError('transient', error.message);
    const context = { account: this.account.name, provider: 'microsoft' } as const;
    if (error.reply) return classifyHttpError(error.reply.status, error.reply.body, {}, context);
    // Nothing usable in the cache (the secret was removed, or MSAL found no refresh token): as a revoked grant.
    return classifyHttpError(400, { error: 'invalid_grant', error_description: `${error.code}: ${error.message}` }, {}, context);
  }
}
