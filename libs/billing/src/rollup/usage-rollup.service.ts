import { Injectable } from '@nestjs/common';
import { isUtcDay, utcDay } from '@gw/common';
import { RecomputedDay, UsageRollupsRepository, UtcDay } from '@gw/db';

const DAY_MS = 86_400_000;

/**
 * The days a rollup job recomputes: the one asked for, or yesterday and today (UTC) — yesterday too, because records
 * of requests that ran across midnight, and late settlements, land after the day has ended.
 */
export function rollupDays(now: Date, day?: string): UtcDay[] {
  if (day !== undefined) {
    if (!isUtcDay(day)) throw new RangeError(`not a UTC day (YYYY-MM-DD): ${JSON.stringify(day).slice(0, 40)}`);
    return [day];
  }
  return [utcDay(new Date(now.getTime() - DAY_MS)), utcDay(now)];
}

/** Daily usage per account, key and model, recomputed from usage_records so that usage reports never scan them. */
@Injectable()
export class UsageRollupService {
  constructor(private readonly rollups: UsageRollupsRepository) {}

  async recompute(days: UtcDay[]): Promise<RecomputedDay[]> {
    const results: RecomputedDay[] = [];
    for (const day of days) results.push(await this.rollups.recomputeDay(day));
    return results;
  }
}
