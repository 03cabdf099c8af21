import { Injectable } from '@nestjs/common';
import { JobName } from '@gw/jobs';
import { WalletSweeper } from '@gw/wallet';
import { JobProcessor, ProcessesJob } from '../jobs/job-processor.decorator';

/** Closes expired wallet holds (scheduled every WALLET_SWEEP_EVERY_S by JobSchedules). */
@ProcessesJob(JobName.WALLET_SWEEP_HOLDS)
@Injectable()
export class WalletSweepHoldsProcessor implements JobProcessor {
  constructor(private readonly sweeper: WalletSweeper) {}

  async process(): Promise<{ closed: number; orphans: number; chargedMicros: string; releasedMicros: string }> {
    const report = await this.sweeper.sweep();
    return {
      closed: report.closed,
      orphans: report.orphans,
      chargedMicros: report.chargedMicros.toString(),
      releasedMicros: report.releasedMicros.toString(),
    };
  }
}
