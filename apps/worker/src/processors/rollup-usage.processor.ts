import { Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { rollupDays, UsageRollupService } from '@gw/billing';
import type { RecomputedDay } from '@gw/db';
import { JobName, RollupUsageJobData } from '@gw/jobs';
import { JobProcessor, ProcessesJob } from '../jobs/job-processor.decorator';

/** Recomputes the daily usage rollups (scheduled every USAGE_ROLLUP_EVERY_S; or one day, on demand). */
@ProcessesJob(JobName.ROLLUP_USAGE)
@Injectable()
export class RollupUsageProcessor implements JobProcessor {
  constructor(private readonly rollups: UsageRollupService) {}

  async process(job: Job<RollupUsageJobData>): Promise<{ days: RecomputedDay[] }> {
    let days: string[];
    try {
      days = rollupDays(new Date(), job.data?.day);
    } catch (error) {
      throw new UnrecoverableError((error as Error).message);
    }
    return { days: await this.rollups.recompute(days) };
  }
}
