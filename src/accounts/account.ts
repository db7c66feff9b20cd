/** Account records as stored in the registry: settings and limits, never a secret. */
import type { SecretLocation } from '../auth/secrets.js';
import type { SmtpSecurity } from '../transports/smtp.js';

export type { SmtpSecurity };

export interface AccountLimits {
  maxConcurrent?: number;
  perConnection?: number;
  rate?: string;
  dailyLimit?: number;
}

export interface SmtpAccount {
  kind: 'smtp';
  name: string;
  host: string;
  port: number;
  security: SmtpSecurity;
  user?: string;
  /** With `--password-env VAR`: the variable read at send time. */
  passwordEnv?: string;
  secret: SecretLocation;
  /** Accept a certificate that does not verify (self-signed). Off unless asked for. */
  insecureTls?: boolean;
  /** The provider preset it was added with (`--service`, presets.ts). */
  preset?: string;
  /** Where `bounces check` reads the mailbox; absent: the SMTP host's usual IMAP name, TLS on 993. */
  imap?: { host: string; port: number; security: SmtpSecurity };
  /** mailshot signs with DKIM (`--dkim-*`): the private key is a secret of its own (dkim-signing.ts). */
  dkim?: DkimSigning;
  limits: AccountLimits;
  createdAt: string;
}

export interface DkimSigning {
  domain: string;
  selector: string;
  /** The public half (PEM), so that `campaign check` compares it with DNS without reading the secret. */
  publicKey: string;
  secret: SecretLocation;
}

/** Fields every OAuth account has. Its secret (refresh token or token cache) is a JSON text in the secret store. */
interface OAuthAccountBase {
  name: string;
  /** The mailbox address learned at sign-in. */
  address: string;
  clientId: string;
  secret: SecretLocation;
  /** Linked with permission to look messages up in Sent, to settle recipients left in doubt. */
  reconcile: boolean;
  /** Linked with permission to read the mailbox, for `bounces check` (gmail.readonly, Mail.Read). */
  readMail?: boolean;
  limits: AccountLimits;
  createdAt: string;
}

export interface GoogleAccount extends OAuthAccountBase {
  kind: 'google';
  /** Google Workspace (2,000 a day) rather than consumer Gmail (500). */
  workspace: boolean;
}

export interface MicrosoftAccount extends OAuthAccountBase {
  kind: 'microsoft';
  /** common, organizations, consumers or a tenant id. */
  tenant: string;
}

/** Amazon SES through its v2 API. Credentials come from the AWS default chain (environment, shared profile): none is stored. */
export interface SesAccount {
  kind: 'ses';
  name: string;
  /** The AWS region of the SES account, e.g. eu-west-1. */
  region: string;
  /** Always 'none': mailshot stores no AWS credential. */
  secret: SecretLocation;
  limits: AccountLimits;
  createdAt: string;
}

export type Account = SmtpAccount | GoogleAccount | MicrosoftAccount | SesAccount;
export type AccountKind = Account['kind'];
