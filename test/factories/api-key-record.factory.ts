import { IpAllowlist } from '@gw/common';
import type { ApiKeyAuthRecord } from '@gw/db';

/** The ids the records below carry by default (UUIDs, as PostgreSQL gives them). */
export const KEY_ID = '0b6f5c1e-3f0a-4d9e-9a51-4f1f8c1f2b10';
export const ACCOUNT_ID = '7d4b2a9c-1e3f-4c5a-8b6d-2e9f0a1b3c4d';

/** A usable key as the in-memory key cache holds it, for unit specs: no database. */
export function apiKeyRecord(overrides: Partial<ApiKeyAuthRecord> = {}): ApiKeyAuthRecord {
  return {
    id: KEY_ID,
    accountId: ACCOUNT_ID,
    status: 'active',
    accountActive: true,
    allowedModels: [],
    rpmLimit: null,
    expiresAt: null,
    ipAllowlist: [],
    allowedIps: IpAllowlist.ANY,
    dailyLimitMicros: null,
    tpmLimit: null,
    account: { rpmLimit: null, accountRpmLimit: null },
    ...overrides,
  };
}
