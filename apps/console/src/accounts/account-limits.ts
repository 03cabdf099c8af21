import type { Account } from '../api/types';

export interface AccountLimitValues {
  /** As typed: empty means the default. */
  rpm: string;
  accountRpm: string;
}

export function initialLimitValues(account: Pick<Account, 'rpmLimit' | 'accountRpmLimit'>): AccountLimitValues {
  const text = (value: number | null) => (value === null ? '' : String(value));
  return { rpm: text(account.rpmLimit), accountRpm: text(account.accountRpmLimit) };
}

export type AccountLimitChanges =
  | { ok: true; body: { rpm?: number | null; accountRpm?: number | null } }
  | { ok: false; field: keyof AccountLimitValues; message: string };

/** The PUT /accounts/:id/rpm-limit body: only what changed (a field left out is kept). The API judges the numbers. */
export function accountLimitChanges(account: Pick<Account, 'rpmLimit' | 'accountRpmLimit'>, values: AccountLimitValues): AccountLimitChanges {
  const body: { rpm?: number | null; accountRpm?: number | null } = {};
  const fields = [
    ['rpm', account.rpmLimit],
    ['accountRpm', account.accountRpmLimit],
  ] as const;
  for (const [field, current] of fields) {
    const typed = values[field].trim();
    if (typed !== '' && !/^-?\d+(\.\d+)?$/.test(typed)) {
      return { ok: false, field, message: 'Enter a number of requests per minute, or nothing for the default' };
    }
    const next = typed === '' ? null : Number(typed);
    if (next !== current) body[field] = next;
  }
  return { ok: true, body };
}

/** "10 requests per minute" / "the default (60 requests per minute)". */
export function describeKeyDefault(rpmLimit: number | null, defaultRpm: number | null): string {
  if (rpmLimit !== null) return `${rpmLimit} requests per minute`;
  return defaultRpm === null ? 'the default (DEFAULT_RPM)' : `the default (${defaultRpm} requests per minute)`;
}

export function describeAggregate(accountRpmLimit: number | null): string {
  return accountRpmLimit === null ? "twice the requesting key's limit" : `${accountRpmLimit} requests per minute`;
}
