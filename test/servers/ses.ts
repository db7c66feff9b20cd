/**
 * A local Amazon SES v2 endpoint (the AWS SDK reaches it through AWS_ENDPOINT_URL_SESV2): GetAccount
 * (GET /v2/email/account) and SendEmail (POST /v2/email/outbound-emails) with a raw message, answering
 * as SES does — the quota and rate it states, its error bodies (status, x-amzn-ErrorType, {"message"}),
 * a 24-hour quota, a maximum send rate, a paused account, rejected recipients. Every accepted message is
 * recorded with its Message-ID.
 *
 *   const ses = await startSesSimulator({ max24HourSend: 3 });
 *   … env AWS_ENDPOINT_URL_SESV2=ses.url …
 *   expect(ses.received.map((m) => m.to)).toEqual([...]);
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SesSimulatorOptions {
  max24HourSend?: number;
  /** Messages per second SES states, and enforces (a faster send gets TooManyRequestsException). */
  maxSendRate?: number;
  sentLast24Hours?: number;
  /** Sending paused for the account: SendingPausedException on every send. */
  paused?: boolean;
  /** Recipients refused with MessageRejected. */
  reject?: string[];
  /** The first N sends are throttled whatever the rate (as SES does when its own load is high). */
  throttleFirst?: number;
  /** Called with each accepted message; 'hang' records it and never answers (the answer is lost). */
  onAccept?: (message: SesMessage) => 'hang' | void;
}

export interface SesMessage {
  from: string;
  to: string[];
  bcc: string[];
  raw: string;
  messageId?: string;
  at: number;
}

export interface SesSimulator {
  url: string;
  received: SesMessage[];
  /** Sends answered with an error, by exception name. */
  refused: Record<string, number>;
  /** Requests that reached SendEmail, answered or not. */
  sendRequests: number;
  close(): Promise<void>;
}

/** SES's own wording for each refusal (as its API returns it). */
const errors = {
  TooManyRequestsException: [429, 'Maximum sending rate exceeded.'],
  LimitExceededException: [400, 'Daily message quota exceeded.'],
  SendingPausedException: [
    400,
    'Sending is paused for this account. For more information, please check the email address associated with this account.',
  ],
  MessageRejected: [400, 'Email address is not verified. The following identities failed the check in region US-EAST-1: '],
} as const;

export async function startSesSimulator(options: SesSimulatorOptions = {}): Promise<SesSimulator> {
  const { max24HourSend = 200, maxSendRate = 14, sentLast24Hours = 0 } = options;
  const received: SesMessage[] = [];
  const refused: Record<string, number> = {};
  const hanging: http.ServerResponse[] = [];
  let sendRequests = 0;
  const fail = (response: http.ServerResponse, name: keyof typeof errors, detail = '') => {
    refused[name] = (refused[name] ?? 0) + 1;
    const [status, message] = errors[name];
    response.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazonaws.sesv2/`,
    });
    response.end(JSON.stringify({ message: message + detail }));
  };
  const send = (response: http.ServerResponse, body: string) => {
    sendRequests++;
    const request = JSON.parse(body) as {
      FromEmailAddress: string;
      Destination?: { ToAddresses?: string[]; BccAddresses?: string[] };
      Content: { Raw: { Data: string } };
    };
    const now = Date.now();
    if (options.paused) return fail(response, 'SendingPausedException');
    // SES's rate is per second: more sends than that within the last second are throttled.
    const lastSecond = received.filter((message) => message.at > now - 1000).length;
    if (sendRequests <= (options.throttleFirst ?? 0) || lastSecond >= maxSendRate) return fail(response, 'TooManyRequestsException');
    if (sentLast24Hours + received.length >= max24HourSend) return fail(response, 'LimitExceededException');
    const to = request.Destination?.ToAddresses ?? [];
    const rejected = to.find((address) => options.reject?.includes(address));
    if (rejected) return fail(response, 'MessageRejected', rejected);
    const raw = Buffer.from(request.Content.Raw.Data, 'base64').toString('utf8');
    const message = {
      from: request.FromEmailAddress,
      to,
      bcc: request.Destination?.BccAddresses ?? [],
      raw,
      messageId: /^Message-ID: *(<[^>]+>)/im.exec(raw)?.[1],
      at: now,
    };
    received.push(message);
    if (options.onAccept?.(message) === 'hang') return void hanging.push(response);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ MessageId: `0100018c-${received.length.toString(16).padStart(8, '0')}-000000` }));
  };
  const account = (response: http.ServerResponse) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        SendQuota: { Max24HourSend: max24HourSend, MaxSendRate: maxSendRate, SentLast24Hours: sentLast24Hours + received.length },
        SendingEnabled: !options.paused,
        ProductionAccessEnabled: true,
        EnforcementStatus: 'HEALTHY',
      }),
    );
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (!/^AWS4-HMAC-SHA256 Credential=/.test(request.headers.authorization ?? '')) {
        response.writeHead(403, { 'x-amzn-errortype': 'UnrecognizedClientException' });
        return void response.end(JSON.stringify({ message: 'The security token included in the request is invalid.' }));
      }
      if (request.method === 'GET' && request.url === '/v2/email/account') return account(response);
      if (request.method === 'POST' && request.url === '/v2/email/outbound-emails')
        return send(response, Buffer.concat(chunks).toString('utf8'));
      response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    refused,
    get sendRequests() {
      return sendRequests;
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
