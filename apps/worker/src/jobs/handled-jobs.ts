import { JobName } from '@gw/jobs';

/**
 * The jobs this worker version runs: the one place that says so. Boot fails unless each has exactly one processor and
 * no processor exists for a job outside it. Jobs of other names (JobName.RECONCILE and JobName.ROLLUP_USAGE arrive
 * with a later version) are put back on the queue, untouched, for a worker that handles them.
 */
export const HANDLED_JOBS: readonly JobName[] = [JobName.SETTLE, JobName.SWEEP_STALE_RESERVATIONS];
