import { JobName } from './job-name.enum';

/** A usage record or close request as JSON (bigints as strings), so it survives Redis. */
export interface SettleJobData {
  accountId: string;
  generationId: string;
  costMicros: string;
  closedBy: 'settlement' | 'release' | 'sweep';
  usage: Record<string, unknown> | null;
}

export interface ReconcileJobData {
  runId: string;
}

export interface JobPayloads {
  [JobName.SETTLE]: SettleJobData;
  [JobName.SWEEP_STALE_RESERVATIONS]: Record<string, never>;
  [JobName.RECONCILE]: ReconcileJobData;
  [JobName.ROLLUP_USAGE]: { day?: string };
}
