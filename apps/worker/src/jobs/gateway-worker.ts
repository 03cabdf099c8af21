import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { GATEWAY_QUEUE, JobName } from '@gw/jobs';
import { runWithLogFields, workerMetrics } from '@gw/observability';
import { ProcessorRegistry } from './processor-registry';

/** Concurrent jobs per worker process (settlements are independent; the sweep is one job per interval). */
const CONCURRENCY = 4;
const JOB_NAMES = new Set<string>(Object.values(JobName));

/**
 * The BullMQ worker on the gateway queue. It starts taking jobs once the application has booted (processors checked)
 * and, on shutdown, stops taking new ones and lets the running ones finish before the process exits. A worker that
 * dies mid-job loses the job's lock after JOB_LOCK_MS; another worker then retries the job (once: a job that kills
 * its worker twice fails for good).
 */
@Injectable()
export class GatewayWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(GatewayWorker.name);
  private worker?: Worker;
  private abandoned = false;

  constructor(
    private readonly registry: ProcessorRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = new Worker(GATEWAY_QUEUE, (job) => this.process(job), {
      connection: { url: this.config.redis.url, maxRetriesPerRequest: null },
      prefix: `${this.config.redis.keyPrefix}bull`,
      concurrency: CONCURRENCY,
      lockDuration: this.config.worker.jobLockMs,
      stalledInterval: this.config.worker.jobLockMs,
      maxStalledCount: 1,
    });
    this.worker.on('failed', (job, error) => {
      if (!job) return;
      // BullMQ sets finishedOn when it moves a job to failed for good, not when it schedules a retry.
      const final = Boolean(job.finishedOn);
      this.logger.warn(
        `job ${job.name} ${job.id} failed (attempt ${job.attemptsMade}${final ? ', final' : ', will retry'}): ` +
          error.message,
      );
      if (final) void this.failedForGood(job, error);
    });
    // Connection errors are retried by BullMQ; readiness reports them.
    this.worker.on('error', (error) => this.logger.warn(`worker: ${error.message}`));
  }

  get running(): boolean {
    return this.worker?.isRunning() ?? false;
  }

  /** Stops taking jobs and resolves once the running ones have finished (graceful shutdown). */
  async stop(): Promise<void> {
    await this.worker?.close();
  }

  /**
   * Shutdown's grace period is over: stop waiting for the running jobs. Their locks lapse and another worker retries
   * them (every job is idempotent).
   */
  abandonRunningJobs(): void {
    this.abandoned = true;
  }

  async onModuleDestroy(): Promise<void> {
    const closing = this.worker?.close();
    if (!this.abandoned) await closing;
  }

  private async process(job: Job): Promise<unknown> {
    const processor = this.registry.get(job.name);
    if (!processor) throw new UnrecoverableError(`job '${job.name}' is not one this worker version knows`);
    const name = JOB_NAMES.has(job.name) ? job.name : 'unknown';
    const startedAt = performance.now();
    let outcome = 'failed';
    try {
      // Every line logged while the job runs carries its id and name.
      const result = await runWithLogFields({ jobId: job.id, job: job.name }, () => processor.process(job));
      outcome = 'completed';
      return result;
    } finally {
      const metrics = workerMetrics();
      metrics.jobs.inc({ name, outcome });
      metrics.jobDuration.observe({ name }, (performance.now() - startedAt) / 1000);
    }
  }

  private async failedForGood(job: Job, error: Error): Promise<void> {
    try {
      await this.registry.get(job.name)?.failed?.(job, error);
    } catch (hookError) {
      this.logger.error(`recording the failure of job ${job.name} ${job.id}: ${(hookError as Error).message}`);
    }
  }
}
