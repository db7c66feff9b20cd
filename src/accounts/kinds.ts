import type { AccountKind, AccountLimits } from './account.js';

/**
 * What each kind of account starts with, and the largest message it takes. Sources: docs/providers.md
 * (Gmail API: 15,000 quota units/user/min at 100 per send, 500 a day for consumer Gmail and 2,000 for
 * Workspace, 35 MB per message; Microsoft Graph: 4 concurrent requests per mailbox, 30 messages a minute,
 * 10,000 recipients a day, about 4 MB per request — the MIME travels base64-encoded, hence 3 MB raw).
 */
export const kindDefaults: Record<AccountKind | 'outbox', { limits: AccountLimits; maxMessageBytes?: number; label: string }> = {
  outbox: { limits: {}, label: 'the outbox' },
  smtp: { limits: {}, label: 'SMTP' },
  google: { limits: { maxConcurrent: 5, rate: '1/s', dailyLimit: 500 }, maxMessageBytes: 35 * 1024 * 1024, label: 'Gmail' },
  // SES v2: 40 MB per message, MIME included (docs.aws.amazon.com/ses, "Service quotas").
  ses: { limits: {}, maxMessageBytes: 40 * 1024 * 1024, label: 'Amazon SES' },
  microsoft: {
    limits: { maxConcurrent: 4, rate: '30/min', dailyLimit: 10_000 },
    maxMessageBytes: 3 * 1024 * 1024,
    label: 'Microsoft Graph',
  },
};

export const workspaceDailyLimit = 2000;
