/** What the pre-flight needs to know about the account that will send, told by the command (campaign/ does not read accounts). */
export interface SendingService {
  kind: 'smtp' | 'google' | 'microsoft' | 'outbox';
  /** The account's name, for messages. */
  account?: string;
  /** Google and Microsoft: the mailbox address, which is the envelope sender. */
  address?: string;
  /** SMTP: the relay's host name. */
  host?: string;
  /** SMTP accounts that mailshot signs for: the signing domain, selector and the public half of the key (PEM). */
  dkim?: { domain: string; selector: string; publicKey: string };
}

/** A provider that sends for the domain: the SPF include it asks for and the DKIM selectors it signs with. */
export interface Provider {
  name: string;
  spfInclude: string;
  dkimSelectors: string[];
  /** The free-mail domains it hosts: mail From them passes only through it. */
  freeMail: string[];
}

const google: Provider = {
  name: 'Google',
  spfInclude: '_spf.google.com',
  dkimSelectors: ['google'],
  freeMail: ['gmail.com', 'googlemail.com'],
};
const microsoft: Provider = {
  name: 'Microsoft 365',
  spfInclude: 'spf.protection.outlook.com',
  dkimSelectors: ['selector1', 'selector2'],
  freeMail: ['outlook.com', 'hotmail.com', 'live.com', 'msn.com'],
};
const yahoo: Provider = {
  name: 'Yahoo',
  spfInclude: '_spf.mail.yahoo.com',
  dkimSelectors: ['s2048'],
  freeMail: ['yahoo.com', 'ymail.com', 'aol.com'],
};

/** SMTP relays of known providers, by host name ending: their submission host is not the address that sends. */
const relays: [RegExp, Provider][] = [
  [/^smtp(-relay)?\.gmail\.com$/, google],
  [/^(smtp\.office365\.com|smtp-mail\.outlook\.com)$/, microsoft],
  [/^smtp\.mail\.yahoo\.com$/, yahoo],
  [/^smtp\.sendgrid\.net$/, { name: 'SendGrid', spfInclude: 'sendgrid.net', dkimSelectors: ['s1', 's2'], freeMail: [] }],
  [/^smtp(\.eu)?\.mailgun\.org$/, { name: 'Mailgun', spfInclude: 'mailgun.org', dkimSelectors: [], freeMail: [] }],
  [/^email-smtp\.[a-z0-9-]+\.amazonaws\.com$/, { name: 'Amazon SES', spfInclude: 'amazonses.com', dkimSelectors: [], freeMail: [] }],
  [/^smtp-relay\.(brevo|sendinblue)\.com$/, { name: 'Brevo', spfInclude: 'spf.brevo.com', dkimSelectors: [], freeMail: [] }],
  [/^smtp\.postmarkapp\.com$/, { name: 'Postmark', spfInclude: 'spf.mtasv.net', dkimSelectors: [], freeMail: [] }],
  [
    /^smtp\.fastmail\.com$/,
    { name: 'Fastmail', spfInclude: 'spf.messagingengine.com', dkimSelectors: ['fm1', 'fm2', 'fm3'], freeMail: [] },
  ],
  [/^smtp\.zoho\.(com|eu)$/, { name: 'Zoho', spfInclude: 'zohomail.com', dkimSelectors: [], freeMail: [] }],
];

/** The provider that sends for this service, when it is one mailshot knows. */
export function providerOf(service: SendingService): Provider | undefined {
  if (service.kind === 'google') return google;
  if (service.kind === 'microsoft') return microsoft;
  const host = service.host?.toLowerCase();
  return host ? relays.find(([pattern]) => pattern.test(host))?.[1] : undefined;
}

/** The provider hosting a free-mail domain (gmail.com, outlook.com, yahoo.com …), if it is one. */
export function freeMailProvider(domain: string): Provider | undefined {
  return [google, microsoft, yahoo].find((provider) => provider.freeMail.includes(domain.toLowerCase()));
}

export function serviceName(service: SendingService): string {
  const provider = providerOf(service);
  if (service.kind === 'smtp') return `the SMTP relay ${service.host}${provider ? ` (${provider.name})` : ''}`;
  return provider?.name ?? 'the outbox';
}
