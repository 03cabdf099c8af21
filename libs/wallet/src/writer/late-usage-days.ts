import { utcDay } from '@gw/common';
import type { WalletEventOutcome, WalletEventRow } from '@gw/db';

const DAY_MS = 86_400_000;

/**
 * The UTC days, before yesterday, of the usage records a batch just wrote: the scheduled rollup recomputes only
 * yesterday and today, so a record that reached PostgreSQL later than that (the writer caught up on a backlog: a
 * worker down for more than a day) would never reach its day's rollup otherwise. A record is dated when its request
 * arrived, whenever it is written. Sorted, each once.
 */
export function lateUsageDays(events: readonly WalletEventRow[], outcomes: ReadonlyMap<string, WalletEventOutcome>, now: Date): string[] {
  const yesterday = utcDay(new Date(now.getTime() - DAY_MS));
  const days = new Set<string>();
  for (const event of events) {
    const createdAt = event.usage?.createdAt;
    if (!createdAt || outcomes.get(event.entryId) !== 'applied') continue;
    const day = utcDay(createdAt);
    if (day < yesterday) days.add(day);
  }
  return [...days].sort();
}
