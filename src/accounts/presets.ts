/**
 * `accounts add smtp NAME --service X`: where each provider's SMTP submission server is (host, port and
 * TLS from nodemailer's well-known services list) and the sending limits it publishes (ours to keep: each
 * with its source; "ours" where the provider publishes none and mailshot picks a cautious figure).
 */
import { InputError } from '../errors.js';
import type { AccountLimits, SmtpSecurity } from './account.js';

export interface Preset {
  /** The key of nodemailer's well-known services list (lib/well-known/services.json). */
  service: string;
  /** Limits filled in for the account: daily, per minute, at once. */
  limits: AccountLimits;
  /** The most recipients (To + Cc + Bcc) the provider takes in one message. */
  recipientsPerMessage: number;
  /** Where each figure comes from. */
  source: string;
  /** What to give as the password, and where to make it. */
  password: string;
}

export const presets = {
  gmail: {
    service: 'Gmail',
    limits: { dailyLimit: 500, rate: '20/min', maxConcurrent: 3 },
    recipientsPerMessage: 100,
    source: 'support.google.com/mail/answer/22839 (500 recipients a day, 100 per message over SMTP); rate, at once: ours',
    password: 'an app password (needs 2-Step Verification): myaccount.google.com/apppasswords',
  },
  outlook: {
    service: 'Hotmail',
    limits: { dailyLimit: 300, rate: '30/min', maxConcurrent: 1 },
    recipientsPerMessage: 100,
    source: 'support.microsoft.com "Sending limits in Outlook.com" (300 a day, 100 per message); rate, at once: ours',
    password: 'Outlook.com no longer takes passwords over SMTP for most accounts: if yours is refused, use `accounts add microsoft`',
  },
  office365: {
    service: 'Outlook365',
    limits: { dailyLimit: 10_000, rate: '30/min', maxConcurrent: 3 },
    recipientsPerMessage: 500,
    source: 'learn.microsoft.com "Exchange Online limits" (10,000 recipients a day, 30 messages a minute, 500 per message, 3 connections)',
    password:
      'the mailbox password, once an admin turns on "Authenticated SMTP" for it (Microsoft is retiring this; `accounts add microsoft` is the lasting route)',
  },
  icloud: {
    service: 'iCloud',
    limits: { dailyLimit: 1000, rate: '20/min', maxConcurrent: 2 },
    recipientsPerMessage: 500,
    source: 'support.apple.com/102198 "Mail limits" (1,000 recipients a day, 500 per message); rate, at once: ours',
    password: 'an app-specific password: account.apple.com → Sign-In and Security → App-Specific Passwords',
  },
  fastmail: {
    service: 'FastMail',
    limits: { dailyLimit: 2000, rate: '30/min', maxConcurrent: 3 },
    recipientsPerMessage: 1000,
    source: 'fastmail.help "Sending limits" (the smallest plan: 2,000 recipients a day); rate, at once: ours',
    password: 'an app password: Settings → Privacy & Security → Manage app passwords',
  },
  yahoo: {
    service: 'Yahoo',
    limits: { dailyLimit: 500, rate: '10/min', maxConcurrent: 1 },
    recipientsPerMessage: 100,
    source: 'help.yahoo.com "Sending limits" (500 a day, 100 per message); rate, at once: ours',
    password: 'an app password: login.yahoo.com/account/security → Generate app password',
  },
  zoho: {
    service: 'Zoho',
    limits: { dailyLimit: 500, rate: '20/min', maxConcurrent: 2 },
    recipientsPerMessage: 50,
    source: 'zoho.com/mail/help "Email sending limits" (paid plans: 500 a day, 50 per message); rate, at once: ours',
    password: 'an app-specific password when two-factor sign-in is on: accounts.zoho.com → Security → App Passwords',
  },
  gmx: {
    service: 'GMX',
    limits: { dailyLimit: 500, rate: '10/min', maxConcurrent: 1 },
    recipientsPerMessage: 50,
    source: 'ours (GMX publishes no figure; it blocks accounts that send in bulk)',
    password: 'the account password, after turning on "POP3 & IMAP access" in the settings',
  },
  ses: {
    service: 'SES',
    limits: { dailyLimit: 200, rate: '1/s', maxConcurrent: 2 },
    recipientsPerMessage: 50,
    source: 'docs.aws.amazon.com/ses "Managing your sending quotas" (sandbox: 200 a day, 1 a second, 50 per message); us-east-1',
    password: 'SMTP credentials made in the SES console → SMTP settings (not your AWS keys); raise the limits to your quota',
  },
  postmark: {
    service: 'Postmark',
    limits: { rate: '300/min', maxConcurrent: 4 },
    recipientsPerMessage: 50,
    source: 'postmarkapp.com/developer "SMTP" (50 recipients per message, no daily cap); rate, at once: ours',
    password: 'a Server API token as both user and password: Servers → your server → API Tokens',
  },
  mailgun: {
    service: 'Mailgun',
    limits: { dailyLimit: 100, rate: '60/min', maxConcurrent: 4 },
    recipientsPerMessage: 1000,
    source: 'documentation.mailgun.com "Sending limits" (free plan: 100 a day, 1,000 per message); rate, at once: ours',
    password: 'SMTP credentials of your domain: Sending → Domain settings → SMTP credentials',
  },
  sendgrid: {
    service: 'SendGrid',
    limits: { dailyLimit: 100, rate: '60/min', maxConcurrent: 4 },
    recipientsPerMessage: 1000,
    source: 'sendgrid.com/pricing (free plan: 100 a day) and docs "SMTP service" (1,000 per message); rate, at once: ours',
    password: 'user "apikey" and an API key as the password: Settings → API Keys',
  },
  brevo: {
    service: 'SendinBlue',
    limits: { dailyLimit: 300, rate: '60/min', maxConcurrent: 4 },
    recipientsPerMessage: 99,
    source: 'brevo.com/pricing (free plan: 300 a day) and help "SMTP relay limits" (99 per message); rate, at once: ours',
    password: 'an SMTP key as the password, your login as the user: SMTP & API → SMTP keys',
  },
} satisfies Record<string, Preset>;

export type PresetName = keyof typeof presets;
export const presetNames = Object.keys(presets) as PresetName[];

export interface PresetServer {
  host: string;
  port: number;
  security: SmtpSecurity;
}

/**
 * The preset's server from nodemailer's list. MAILSHOT_SERVICE_<NAME>_HOST=host:port puts another
 * server in its place (the tests' stand-in for smtp.gmail.com), with the same TLS mode.
 */
export async function presetServer(name: PresetName): Promise<PresetServer> {
  // Loaded when a preset is used: the list is nodemailer's whole services table.
  const { default: wellKnown } = await import('nodemailer/lib/well-known');
  const known = wellKnown(presets[name].service);
  if (!known || !known.host || !known.port) throw new Error(`nodemailer's well-known services lost "${presets[name].service}"`);
  const server: PresetServer = { host: known.host, port: Number(known.port), security: known.secure ? 'tls' : 'starttls' };
  const override = process.env[`MAILSHOT_SERVICE_${name.toUpperCase()}_HOST`];
  if (!override) return server;
  const match = /^(.+):(\d+)$/.exec(override);
  if (!match) throw new InputError(`MAILSHOT_SERVICE_${name.toUpperCase()}_HOST "${override}": write it as host:port`);
  return { ...server, host: match[1], port: Number(match[2]) };
}

/** For the help: each preset, and what it wants as a password. */
export function presetHelp(): string {
  return presetNames
    .map((name) => `  ${name.padEnd(10)} ${presets[name].password} (at most ${presets[name].recipientsPerMessage} recipients a message)`)
    .join('\n');
}
