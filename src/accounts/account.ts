/** Account records as stored in the registry: settings and limits, never a secret. */

export type SmtpSecurity = 'tls' | 'starttls' | 'none';

/** Where an account's secret lives; the secret itself is never in the registry. */
export type SecretLocation = 'keychain' | 'file' | 'env' | 'none';

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
  from?: string;
  limits: AccountLimits;
  createdAt: string;
}

export type Account = SmtpAccount;
