import { Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { BillingService, MalformedSettlementError } from '@gw/billing';
import { JobName, SettleJobData } from '@gw/jobs';
import { JobProcessor, ProcessesJob } from '../jobs/job-processor.decorator';

/** A settlement the proxy could not write (database unreachable), applied once the database answers again. */
@ProcessesJob(JobName.SETTLE)
@Injectable()
export class SettleProcessor implements JobProcessor {
  constructor(private readonly billing: BillingService) {}

  async process(job: Job<SettleJobData>): Promise<{ outcome: string }> {
    try {
      const result = await this.billing.applyHandedOver(job.data);
      return { outcome: result.outcome };
    } catch (error) {
      if (error instanceof MalformedSettlementError) throw new UnrecoverableError(error.message);
      throw error;
    }
  }
}
