import type { UsageDay } from '../api/types';
import { toBigInt } from '../format/count';
import { microsToUsd, usdToMicros } from '../format/money';

/** One UTC day of the chosen account (or key), every model together. */
export interface DayTotals {
  day: string;
  requests: number;
  inputTokens: bigint;
  outputTokens: bigint;
  costUsd: string;
}

/** Every day from `from` to `to` (YYYY-MM-DD, inclusive), oldest first. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= end; at += 86_400_000) {
    days.push(new Date(at).toISOString().slice(0, 10));
  }
  return days;
}

/**
 * The rollup rows (per day, key and model) summed per day, with the days without usage as zeros so that a chart's
 * axis is the calendar. Counts and money are summed exactly (bigint), as the API keeps them.
 */
export function dailyTotals(rows: UsageDay[], from: string, to: string, keyId: string | null = null): DayTotals[] {
  const sums = new Map<string, { requests: number; inputTokens: bigint; outputTokens: bigint; costMicros: bigint }>();
  for (const day of daysBetween(from, to)) sums.set(day, { requests: 0, inputTokens: 0n, outputTokens: 0n, costMicros: 0n });
  for (const row of rows) {
    const sum = sums.get(row.day);
    if (!sum || (keyId !== null && row.keyId !== keyId)) continue;
    sum.requests += row.requests;
    sum.inputTokens += toBigInt(row.inputTokens);
    sum.outputTokens += toBigInt(row.outputTokens);
    sum.costMicros += usdToMicros(row.costUsd);
  }
  return [...sums].map(([day, sum]) => ({
    day,
    requests: sum.requests,
    inputTokens: sum.inputTokens,
    outputTokens: sum.outputTokens,
    costUsd: microsToUsd(sum.costMicros),
  }));
}

/** The keys that appear in the rows, most requests first (the key filter's choices). */
export function keysIn(rows: UsageDay[]): string[] {
  const requests = new Map<string, number>();
  for (const row of rows) requests.set(row.keyId, (requests.get(row.keyId) ?? 0) + row.requests);
  return [...requests].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([keyId]) => keyId);
}
