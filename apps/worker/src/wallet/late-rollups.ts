import type { RollupUsageJobData } from '@gw/jobs';

/** Late records written within one such window share one recompute per day. */
export const LATE_ROLLUP_WINDOW_MS = 60_000;
/** How long after its window a recompute waits: more than the clocks of two workers may differ. */
const LATE_ROLLUP_MARGIN_MS = 10_000;

/**
 * The rollup jobs for days that got usage records late (LedgerWriter.onLateUsage): one per day and window, run once
 * the window is over (plus the margin), so that it reads every record written within it: each request is made after
 * its records committed, and a request made in the window finds its job not yet started.
 */
export function lateRollupJobs(days: readonly string[], now: number): RollupUsageJobData[] {
  const notBefore = (Math.floor(now / LATE_ROLLUP_WINDOW_MS) + 1) * LATE_ROLLUP_WINDOW_MS + LATE_ROLLUP_MARGIN_MS;
  return days.map((day) => ({ day, notBefore }));
}
