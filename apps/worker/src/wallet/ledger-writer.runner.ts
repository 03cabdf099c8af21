import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JobName, JobQueue } from '@gw/jobs';
import { LedgerWriter } from '@gw/wallet';
import { lateRollupJobs } from './late-rollups';

/**
 * Runs the wallet's ledger writer for as long as the worker runs: a long-running consumer of the settlement streams
 * beside the BullMQ jobs (every worker process is one writer of the consumer group). On shutdown it finishes the batch
 * in progress, which commits and is acknowledged, before the connections close; a writer killed instead leaves its
 * batch pending for another writer (docs/worker.md, "The ledger writer"). Usage records it writes for days before
 * yesterday (a backlog caught up) get their days' rollups recomputed (late-rollups.ts).
 */
@Injectable()
export class LedgerWriterRunner implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly writer: LedgerWriter,
    private readonly jobs: JobQueue,
  ) {
    writer.onUsageWritten(async (days) => {
      for (const job of lateRollupJobs(days, Date.now())) await this.jobs.enqueue(JobName.ROLLUP_USAGE, job);
    });
  }

  onApplicationBootstrap(): void {
    this.writer.start();
  }

  stop(): Promise<void> {
    return this.writer.stop();
  }

  async onModuleDestroy(): Promise<void> {
    await this.writer.stop();
  }
}
