import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DelayedError, Job, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { GATEWAY_QUEUE } from '@gw/jobs';
import { ProcessorRegistry } from './processor-registry';

/** Concurrent jobs per worker process (settlements are independent; the sweep is one job per interval). */
const CONCURRENCY = 4;
/** A job this version does not handle waits this long before a worker looks at it again. */
const UNHANDLED_RETRY_MS = 60_000;

/**
 * The BullMQ worker on the gateway queue. It starts taking jobs once the application has booted (processors checked)
 * and, on shutdown, stops taking new ones and lets the running ones finish before the process exits.
 */
@Injectable()
export class GatewayWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(GatewayWorker.name);
  private worker?: Worker;

  constructor(
    private readonly registry: ProcessorRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = new Worker(GATEWAY_QUEUE, (job, token) => this.process(job, token), {
      connection: { url: this.config.redis.url, maxRetriesPerRequest: null },
      prefix: `${this.config.redis.keyPrefix}bull`,
      concurrency: CONCURRENCY,
    });
    this.worker.on('failed', (job, error) => {
      this.logger.warn(`job ${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}): ${error.message}`);
    });
    // Connection errors are retried by BullMQ; readiness reports them.
    this.worker.on('error', (error) => this.logger.warn(`worker: ${error.message}`));
  }

  get running(): boolean {
    return this.worker?.isRunning() ?? false;
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }

  private async process(job: Job, token: string | undefined): Promise<unknown> {
    const processor = this.registry.get(job.name);
    if (!processor) {
      this.logger.warn(`job ${job.name} ${job.id} is not handled by this worker version: put back for a newer worker`);
      await job.moveToDelayed(Date.now() + UNHANDLED_RETRY_MS, token);
      throw new DelayedError();
    }
    return processor.process(job);
  }
}
