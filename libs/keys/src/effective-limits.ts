import type { ApiKeyAuthRecord } from '@gw/db';

/** The request-rate limits in effect for a key (spec/policy.md, "Rate limits in three tiers"). */
export interface EffectiveRpmLimits {
  /** Tier 1: the key's own rpmLimit, else its account's rpmLimit, else DEFAULT_RPM. */
  key: number;
  /** Tier 2, all the account's keys together: the account's accountRpmLimit, else 2 x the key's limit. */
  account: number;
}

export function effectiveRpmLimits(
  record: Pick<ApiKeyAuthRecord, 'rpmLimit' | 'account'>,
  defaultRpm: number,
): EffectiveRpmLimits {
  const key = record.rpmLimit ?? record.account.rpmLimit ?? defaultRpm;
  return { key, account: record.account.accountRpmLimit ?? 2 * key };
}
