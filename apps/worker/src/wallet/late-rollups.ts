import { rollupDays } from '@gw/billing';
import type { RollupUsageJobData } from '@gw/jobs';

/** Late records written within one such window share one recompute per day. */
export const LATE_ROLLUP_WINDOW_MS = 60_000;
/** How long after its window a recompute waits: more than the clocks of two workers may differ. */
const LATE_ROLLUP_MARGIN_MS = 10_000;

/**
 * The rollup jobs for the days usage records were just written for (LedgerWriter.onUsageWritten) that the scheduled
 * rollup does not cover (rollupDays: yesterday and today): records written that late (a writer catching up on a
 * backlog: a worker down for more than a day) would otherwise never reach their day's rollup. One job per day and
 * window, run once the window is over (plus the margin), so that it reads every record written within it: each request
 * is made after its records committed, and a request made in the window finds its job not yet started.
 */
export function lateRollupJobs(daysWritten: readonly string[], now: number): RollupUsageJobData[] {
  const [firstScheduled] = rollupDays(new Date(now));
  const notBefore = (Math.floor(now / LATE_ROLLUP_WINDOW_MS) + 1) * LATE_ROLLUP_WINDOW_MS + LATE_ROLLUP_MARGIN_MS;
  return daysWritten.filter((day) => day < firstScheduled).map((day) => ({ day, notBefore }));
}
