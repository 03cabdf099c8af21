import { formatMicrosAsUsd } from '@gw/common';
import type { ApiKeyAuthRecord, KeyInfoRecord } from '@gw/db';
import { effectiveRpmLimits } from '@gw/keys';
import type { KeyMoney } from './key-books';

/** GET /v1/key/info's `data` (spec/policy.md, "Self-service lookups"): money as decimal strings, never the key. */
export interface KeyInfo {
  keyPrefix: string;
  name: string;
  status: string;
  balanceUsd: string;
  reservedUsd: string;
  rpmLimit: number;
  accountRpmLimit: number;
  tpmLimit: number | null;
  dailyLimitUsd: string | null;
  spentTodayUsd: string;
  allowedModels: string[];
  ipAllowlist: string[];
  expiresAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  usageToday: { requests: number; inputTokens: number; outputTokens: number; costUsd: string };
}

/**
 * The caller's key as it may see it. The limits are the ones the proxy enforces, from the same key record the request
 * was authorised with (the effective RPMs by libs/keys' rule: the key's, else the account's default, else
 * DEFAULT_RPM; the account's aggregate, else twice that); name, dates and usage from PostgreSQL; money from the
 * money store.
 */
export function keyInfoView(key: ApiKeyAuthRecord, stored: KeyInfoRecord, money: KeyMoney, defaultRpm: number): KeyInfo {
  const rpm = effectiveRpmLimits(key, defaultRpm);
  return {
    keyPrefix: stored.prefix,
    name: stored.name,
    status: stored.status,
    balanceUsd: formatMicrosAsUsd(money.balanceMicros),
    reservedUsd: formatMicrosAsUsd(money.reservedMicros),
    rpmLimit: rpm.key,
    accountRpmLimit: rpm.account,
    tpmLimit: key.tpmLimit,
    dailyLimitUsd: key.dailyLimitMicros === null ? null : formatMicrosAsUsd(key.dailyLimitMicros),
    spentTodayUsd: formatMicrosAsUsd(money.spentTodayMicros),
    allowedModels: [...key.allowedModels],
    ipAllowlist: [...key.ipAllowlist],
    expiresAt: key.expiresAt?.toISOString() ?? null,
    createdAt: stored.createdAt.toISOString(),
    lastUsedAt: stored.lastUsedAt?.toISOString() ?? null,
    usageToday: {
      requests: stored.usageToday.requests,
      inputTokens: stored.usageToday.inputTokens,
      outputTokens: stored.usageToday.outputTokens,
      costUsd: formatMicrosAsUsd(stored.usageToday.costMicros),
    },
  };
}
