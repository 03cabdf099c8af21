import { Injectable, Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import {
  PermanentReconciliationError,
  ReconcileOutcome,
  ReconciliationService,
  scheduledRange,
  scheduledRunId,
} from '@gw/billing';
import { JobName, ReconcileJobData } from '@gw/jobs';
import { JobProcessor, ProcessesJob } from '../jobs/job-processor.decorator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type ReconcileRequest = { runId: string } | { firedAt: Date };

/** The run a job asks for: a staff run by id, or the scheduled run of the hour the job was scheduled for. */
export function reconcileRequest(job: Pick<Job<unknown>, 'data' | 'opts' | 'timestamp'>): ReconcileRequest {
  const data = job.data as Partial<{ runId: unknown; scheduled: unknown }> | null;
  if (typeof data?.runId === 'string' && UUID.test(data.runId)) return { runId: data.runId };
  // A retry of a scheduled job keeps its scheduled time (prevMillis), so it finds the same run.
  if (data?.scheduled === true) return { firedAt: new Date(job.opts.prevMillis ?? job.timestamp) };
  throw new UnrecoverableError(`malformed reconcile job: ${JSON.stringify(data).slice(0, 200)}`);
}

/** A reconciliation run: staff's (POST /admin/v1/reconciliations) or the hourly one (JobSchedules). */
@ProcessesJob(JobName.RECONCILE)
@Injectable()
export class ReconcileProcessor implements JobProcessor {
  private readonly logger = new Logger(ReconcileProcessor.name);

  constructor(private readonly reconciliations: ReconciliationService) {}

  async process(job: Job<ReconcileJobData>): Promise<ReconcileOutcome> {
    const request = reconcileRequest(job);
    try {
      const outcome =
        'runId' in request
          ? await this.reconciliations.run(request.runId)
          : await this.reconciliations.runScheduled(request.firedAt);
      this.logger.log(
        `reconciliation ${outcome.runId}: ${outcome.status}` +
          (outcome.reportWritten ? (outcome.clean ? ', clean' : ', with findings') : ' (finished before: unchanged)'),
      );
      return outcome;
    } catch (error) {
      if (error instanceof PermanentReconciliationError) throw new UnrecoverableError(error.message);
      throw error;
    }
  }

  /** The run's last attempt failed: the run says so, with the error, instead of staying "running". */
  async failed(job: Job<ReconcileJobData>, error: Error): Promise<void> {
    let request: ReconcileRequest;
    try {
      request = reconcileRequest(job);
    } catch {
      return;
    }
    const runId = 'runId' in request ? request.runId : scheduledRunId(scheduledRange(request.firedAt));
    await this.reconciliations.fail(runId, error.message);
  }
}
