import { JobName } from './job-name.enum';

/** A usage record or close request as JSON (bigints as strings), so it survives Redis. */
export interface SettleJobData {
  accountId: string;
  generationId: string;
  costMicros: string;
  closedBy: 'settlement' | 'release';
  usage: Record<string, unknown> | null;
}

/**
 * A run staff asked for (its ReconciliationRun row exists, status queued), or the hourly scheduled run, whose row the
 * worker creates from the job's scheduled time (so that a retried or repeated firing is still one run).
 */
export type ReconcileJobData = { runId: string } | { scheduled: true };

/** Recompute the daily rollups of one UTC day ("YYYY-MM-DD"), or of today and yesterday when absent. */
export interface RollupUsageJobData {
  day?: string;
  /**
   * Late records (epoch ms): run once, at this time or after. Every request for the day made before it is one job,
   * which then reads all they wrote (lateRollupRequest).
   */
  notBefore?: number;
}

export interface JobPayloads {
  [JobName.SETTLE]: SettleJobData;
  [JobName.SWEEP_STALE_RESERVATIONS]: Record<string, never>;
  [JobName.RECONCILE]: ReconcileJobData;
  [JobName.ROLLUP_USAGE]: RollupUsageJobData;
  [JobName.WALLET_SWEEP_HOLDS]: Record<string, never>;
  [JobName.WALLET_RELAY_CREDITS]: Record<string, never>;
  [JobName.BALANCE_ALERTS]: Record<string, never>;
}
