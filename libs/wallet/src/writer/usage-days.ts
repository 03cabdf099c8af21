import { utcDay } from '@gw/common';
import type { WalletEventOutcome, WalletEventRow } from '@gw/db';

/**
 * The UTC days of the usage records a batch just wrote (a record is dated when its request arrived, whenever it is
 * written): what the daily rollups of those days must now count. Sorted, each once.
 */
export function usageDaysWritten(events: readonly WalletEventRow[], outcomes: ReadonlyMap<string, WalletEventOutcome>): string[] {
  const days = new Set<string>();
  for (const event of events) {
    const createdAt = event.usage?.createdAt;
    if (createdAt && outcomes.get(event.entryId) === 'applied') days.add(utcDay(createdAt));
  }
  return [...days].sort();
}
