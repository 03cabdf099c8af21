import { JobsOptions } from 'bullmq';
import { JobName } from './job-name.enum';
import { JobPayloads } from './job-payloads';

/**
 * Retry and dedupe policy per job, in one place. The job id makes a repeated enqueue of the same work a no-op
 * (BullMQ ignores a job whose id exists), so a settlement handed over twice is still one job. BullMQ refuses ids
 * containing ':' (its key separator), hence the '-'.
 */
export function jobOptions<N extends JobName>(name: N, data: JobPayloads[N]): JobsOptions {
  const base: JobsOptions = {
    attempts: 8,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    // Failed jobs are kept for inspection (bull-board, admin) for a week.
    removeOnFail: { age: 7 * 24 * 3600 },
  };
  switch (name) {
    case JobName.SETTLE:
      return { ...base, jobId: `settle-${(data as JobPayloads[JobName.SETTLE]).generationId}`, attempts: 20 };
    case JobName.SWEEP_STALE_RESERVATIONS:
    case JobName.WALLET_SWEEP_HOLDS:
    case JobName.WALLET_RELAY_CREDITS:
    case JobName.BALANCE_ALERTS:
      // Repeated every interval by a job scheduler: a failed run is simply the next run's work.
      return { ...base, attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } };
    case JobName.RECONCILE: {
      // One job per run: enqueueing a run twice is a no-op. A run is read-only but for its report, so retries are safe.
      const reconcile = data as JobPayloads[JobName.RECONCILE];
      return { ...base, ...('runId' in reconcile ? { jobId: `reconcile-${reconcile.runId}` } : {}), attempts: 3 };
    }
    case JobName.ROLLUP_USAGE: {
      // Idempotent recomputation from the usage records: no job id (a later request for the same day must run again),
      // except for late records, one job per day and time to run at, delayed until then.
      const { day, notBefore } = data as JobPayloads[JobName.ROLLUP_USAGE];
      const once = notBefore === undefined ? {} : { jobId: `rollup-usage-${day}-${notBefore}`, delay: Math.max(0, notBefore - Date.now()) };
      return { ...base, attempts: 3, removeOnComplete: { count: 100 }, ...once };
    }
    default:
      return base;
  }
}
