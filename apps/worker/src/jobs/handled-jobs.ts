import { JobName } from '@gw/jobs';

/**
 * The jobs this worker version runs: every job there is. Boot fails unless each has exactly one processor and no
 * processor exists for a job outside it. A job of a name this version does not know (a newer producer) fails for good,
 * kept with the failed jobs for inspection (bull-board) and retry by a worker that knows it.
 */
export const HANDLED_JOBS: readonly JobName[] = Object.values(JobName);
